/* Unit tests for the RPC server (net/net_rpc_server.c) in-process, against a node state
 * in a temporary directory: nng's req0 client (net_rpc.c) talks to it on tcp and ipc; the
 * ipc caller is the operator, the tcp caller is not; a flood of raw connections leaves at
 * most LDG_RPC_CONN_MAX open (stats) and a client still gets answers; a frame declaring
 * more than LDG_RPC_MSG_SIZE_MAX is closed; a bad handshake is closed. */
#include "testlib.h"

#include "node_testkit.h"
#include "net_rpc.h"
#include "net_rpc_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <sys/socket.h>

static char dir[PATH_MAX];
static net_node *node;

static void setup(void)
{
    node = tk_node_open(dir, "rpcs", "folio-rpcs");
}

static void teardown(void)
{
    tk_node_close(node, dir);
}

static int tcp_port(void)
{
    return 26000 + (int)(getpid() % 2000) * 2;
}

static net_rpc_server *serve(const char *url)
{
    net_rpc_server *s = NULL;
    char err[256];
    ck_assert_msg(net_rpc_server_start(&s, node, url, err, sizeof err) == 0, "%s", err);
    net_rpc_server_run(s, 2);
    return s;
}

/* One call through nng's req0 client: the status, and the JSON's "error" if any. */
static int call(const char *url, const char *method, char *error, size_t error_len)
{
    net_client *c;
    char err[256];
    ck_assert_msg(net_client_open(&c, url, 5000, err, sizeof err) == LDG_OK, "%s", err);
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 1);
    ldg_enc_str(&e, method);
    int status = -1;
    char *json = NULL;
    ck_assert_int_eq(net_client_call(c, &e, &status, &json), LDG_OK);
    json_t *j = json_loads(json, 0, NULL);
    ck_assert_ptr_nonnull(j);
    const char *name = json_string_value(json_object_get(j, "error"));
    snprintf(error, error_len, "%s", name ? name : "");
    json_decref(j);
    free(json);
    ldg_enc_free(&e);
    net_client_close(c);
    return status;
}

static int raw_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

/* True once the server has closed fd (within ~2 s). Its handshake is read and dropped. */
static bool closed_soon(int fd)
{
    struct timeval tv = {0, 100000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    uint8_t b[64];
    for (int i = 0; i < 20; i++) {
        ssize_t r = recv(fd, b, sizeof b, 0);
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
            return true;
    }
    return false;
}

START_TEST(test_tcp_and_ipc_levels)
{
    char tcp[64], ipc[PATH_MAX + 16], e[32];
    snprintf(tcp, sizeof tcp, "tcp://127.0.0.1:%d", tcp_port());
    snprintf(ipc, sizeof ipc, "ipc://%s/rpc.sock", dir);
    net_rpc_server *a = serve(tcp), *b = serve(ipc);
    ck_assert_int_eq(call(tcp, "status", e, sizeof e), 0);
    ck_assert_int_eq(call(ipc, "status", e, sizeof e), 0);
    ck_assert_int_eq(call(tcp, "stop", e, sizeof e), LDG_ERR_DENIED);
    ck_assert_str_eq(e, "DENIED");
    ck_assert(!atomic_load(&node->stopping));
    ck_assert_int_eq(call(ipc, "stop", e, sizeof e), 0); /* this process is the node's user */
    ck_assert(atomic_load(&node->stopping));
    struct stat st;
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/rpc.sock", dir);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    net_rpc_server_stats s; /* counted once the send completes, maybe after the client read */
    for (int i = 0; i < 100 && (net_rpc_server_stats_get(a, &s), s.served < 2); i++)
        usleep(10000);
    ck_assert_uint_eq(s.served, 2);
    net_rpc_server_stop(a);
    net_rpc_server_stop(b);
}
END_TEST

START_TEST(test_flood_capped)
{
    char tcp[64], e[32];
    int port = tcp_port() + 1;
    snprintf(tcp, sizeof tcp, "tcp://127.0.0.1:%d", port);
    net_rpc_server *srv = serve(tcp);
    enum { FLOOD = LDG_RPC_CONN_MAX + 100 };
    static int fds[FLOOD];
    for (int i = 0; i < FLOOD; i++)
        fds[i] = raw_connect(port);
    net_rpc_server_stats s = {0};
    for (int i = 0; i < 100 && s.accepted < FLOOD; i++) {
        usleep(20000);
        net_rpc_server_stats_get(srv, &s);
    }
    ck_assert_uint_eq(s.accepted, FLOOD);
    ck_assert_uint_le(s.open, LDG_RPC_CONN_MAX);
    ck_assert_uint_ge(s.evicted, FLOOD - LDG_RPC_CONN_MAX);
    /* The first ones, silent longest, were closed; a client still gets its answer. */
    ck_assert(closed_soon(fds[0]));
    ck_assert_int_eq(call(tcp, "status", e, sizeof e), 0);
    for (int i = 0; i < FLOOD; i++)
        close(fds[i]);
    net_rpc_server_stop(srv);
}
END_TEST

START_TEST(test_bad_frames_closed)
{
    int port = tcp_port();
    char tcp[64];
    snprintf(tcp, sizeof tcp, "tcp://127.0.0.1:%d", port);
    net_rpc_server *srv = serve(tcp);
    /* A handshake for another protocol (pub0). */
    int fd = raw_connect(port);
    ck_assert_int_eq(write(fd, "\0SP\0\0\x20\0\0", 8), 8);
    ck_assert(closed_soon(fd));
    close(fd);
    /* A frame above LDG_RPC_MSG_SIZE_MAX. */
    fd = raw_connect(port);
    uint8_t m[16] = {0, 'S', 'P', 0, 0, 0x30, 0, 0, 0, 0, 0, 0, 0x7f, 0, 0, 0};
    ck_assert_int_eq(write(fd, m, sizeof m), (ssize_t)sizeof m);
    ck_assert(closed_soon(fd));
    close(fd);
    /* A backtrace with no last word (no top bit) in LDG_RPC_SP_HOPS_MAX words. */
    fd = raw_connect(port);
    uint8_t h[16 + 4 * LDG_RPC_SP_HOPS_MAX] = {0, 'S', 'P', 0, 0, 0x30, 0, 0};
    h[15] = 4 * LDG_RPC_SP_HOPS_MAX;
    ck_assert_int_eq(write(fd, h, sizeof h), (ssize_t)sizeof h);
    ck_assert(closed_soon(fd));
    close(fd);
    net_rpc_server_stats s;
    net_rpc_server_stats_get(srv, &s);
    ck_assert_uint_eq(s.refused, 3);
    ck_assert_uint_eq(s.open, 0);
    net_rpc_server_stop(srv);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("rpc_server");
    TCase *tc = tcase_create("server");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_tcp_and_ipc_levels);
    tcase_add_test(tc, test_flood_capped);
    tcase_add_test(tc, test_bad_frames_closed);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
