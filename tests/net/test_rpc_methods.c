/* Unit tests for the RPC method table and its dispatch (net/net_rpc_methods.c, the table
 * at the end of net/net_query.c): the table is sorted and well-formed and matches the
 * access table of specs/rpc.md §3 row for row; every row is reachable through dispatch
 * and replies with JSON; operator methods are refused to public callers and change
 * nothing; the per-method request size is enforced before decoding; hostile method
 * names get a reply. Also m_rules under concurrent callers (issue 12 item 18). */
#include "testlib.h"

#include "node_testkit.h"
#include "net_rpc_methods.h"

#include <jansson.h>

static char dir[PATH_MAX];
static net_node *node;

static void setup(void)
{
    node = tk_node_open(dir, "rpcm", "folio-rpcm");
    node->validator_index = 0;
}

static void teardown(void)
{
    tk_node_close(node, dir);
}

/* Dispatches [method, args...] (args already encoded after the array header). */
static char *call(net_rpc_access who, const char *method, const void *args, size_t args_len,
                  uint32_t nargs, int *status)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 1 + nargs);
    ldg_enc_str(&e, method);
    ldg_enc_raw(&e, args, args_len);
    char *out = net_rpc_dispatch(node, who, ldg_enc_data(&e), ldg_enc_len(&e), status);
    ldg_enc_free(&e);
    ck_assert_ptr_nonnull(out);
    json_error_t err;
    json_t *j = json_loads(out, 0, &err);
    ck_assert_msg(j != NULL, "%s: reply is not JSON: %s", method, out);
    json_decref(j);
    return out;
}

static const char *error_name(const char *json)
{
    static char name[32];
    json_t *j = json_loads(json, 0, NULL);
    const char *e = json_string_value(json_object_get(j, "error"));
    snprintf(name, sizeof name, "%s", e ? e : "");
    json_decref(j);
    return name;
}

START_TEST(test_table_well_formed)
{
    ck_assert_uint_gt(net_rpc_method_count, 20);
    for (size_t i = 0; i < net_rpc_method_count; i++) {
        const net_rpc_method *m = &net_rpc_methods[i];
        ck_assert_msg(m->name && *m->name && strlen(m->name) <= 31, "row %zu name", i);
        ck_assert_msg(m->handler != NULL, "%s has no handler", m->name);
        ck_assert_msg(m->access <= NET_RPC_OPERATOR, "%s access", m->name);
        ck_assert_msg(m->request_max >= LDG_RPC_REQUEST_SMALL_MAX &&
                          m->request_max <= LDG_RPC_MSG_SIZE_MAX,
                      "%s request_max %zu", m->name, m->request_max);
        if (i > 0)
            ck_assert_msg(strcmp(net_rpc_methods[i - 1].name, m->name) < 0,
                          "the table is not sorted at %s", m->name);
        ck_assert_ptr_eq(net_rpc_method_find(m->name), m);
    }
    ck_assert_ptr_null(net_rpc_method_find("nope"));
    ck_assert_ptr_null(net_rpc_method_find(""));
}
END_TEST

/* The access table of specs/rpc.md §3: each backticked name on a row gets that row's
 * access and paging. Every row of the code appears there and nowhere twice. */
START_TEST(test_table_matches_spec)
{
    const char *src = getenv("FOLIO_SRC");
    ck_assert_msg(src != NULL, "FOLIO_SRC is not set");
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/specs/rpc.md", src);
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    char line[2048];
    bool in_table = false;
    int seen[64] = {0};
    ck_assert_uint_le(net_rpc_method_count, 64);
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, "| method | access | request max | paged |", 41)) {
            in_table = true;
            continue;
        }
        if (!in_table)
            continue;
        if (line[0] != '|')
            break;
        if (!strncmp(line, "| ---", 5))
            continue;
        char *cells[5] = {0};
        int nc = 0;
        for (char *p = line; *p && nc < 5; p++)
            if (*p == '|')
                cells[nc++] = p + 1;
        ck_assert_int_eq(nc, 5);
        bool is_op = strstr(cells[1], "operator") && strstr(cells[1], "operator") < cells[2];
        bool paged = strstr(cells[3], "yes") && strstr(cells[3], "yes") < cells[4];
        for (char *p = cells[0]; p < cells[1];) {
            char *a = strchr(p, '`');
            if (!a || a > cells[1])
                break;
            char *b = strchr(a + 1, '`');
            ck_assert_ptr_nonnull(b);
            char name[32];
            snprintf(name, sizeof name, "%.*s", (int)(b - a - 1), a + 1);
            const net_rpc_method *m = net_rpc_method_find(name);
            ck_assert_msg(m != NULL, "specs/rpc.md lists '%s', the table has no row", name);
            ck_assert_msg((m->access == NET_RPC_OPERATOR) == is_op,
                          "'%s': access differs from specs/rpc.md", name);
            ck_assert_msg(m->paged == paged, "'%s': paging differs from specs/rpc.md", name);
            seen[m - net_rpc_methods]++;
            p = b + 1;
        }
    }
    fclose(f);
    ck_assert_msg(in_table, "specs/rpc.md has no method access table");
    for (size_t i = 0; i < net_rpc_method_count; i++)
        ck_assert_msg(seen[i] == 1, "'%s' is listed %d times in specs/rpc.md §3",
                      net_rpc_methods[i].name, seen[i]);
}
END_TEST

/* Every row reached through dispatch, with no argument and with one: a JSON reply, never
 * "unknown method". */
START_TEST(test_every_method_reachable)
{
    for (size_t i = 0; i < net_rpc_method_count; i++) {
        const char *name = net_rpc_methods[i].name;
        if (!strcmp(name, "stop"))
            continue; /* tested below */
        for (int variant = 0; variant < 2; variant++) {
            int status = -1;
            char *out = variant ? call(NET_RPC_OPERATOR, name, "\x01", 1, 1, &status)
                                : call(NET_RPC_OPERATOR, name, "", 0, 0, &status);
            ck_assert_msg(status != LDG_ERR_PROTOCOL, "%s: %s", name, out);
            ck_assert_msg(status != LDG_ERR_DENIED, "%s: %s", name, out);
            free(out);
        }
    }
}
END_TEST

START_TEST(test_operator_methods_refused_to_public)
{
    int status;
    char *out = call(NET_RPC_PUBLIC, "stop", "", 0, 0, &status);
    ck_assert_int_eq(status, LDG_ERR_DENIED);
    ck_assert_str_eq(error_name(out), "DENIED");
    ck_assert(!atomic_load(&node->stopping));
    free(out);
    out = call(NET_RPC_PARTICIPANT, "dev_time_advance", "\xcd\x10\x00", 3, 1, &status);
    ck_assert_int_eq(status, LDG_ERR_DENIED);
    ck_assert_uint_eq(atomic_load(&node->time_offset_ms), 0);
    free(out);
    /* Every operator row, whatever its arguments. */
    for (size_t i = 0; i < net_rpc_method_count; i++)
        if (net_rpc_methods[i].access == NET_RPC_OPERATOR) {
            out = call(NET_RPC_PUBLIC, net_rpc_methods[i].name, "\x01", 1, 1, &status);
            ck_assert_int_eq(status, LDG_ERR_DENIED);
            free(out);
        }
    ck_assert(!atomic_load(&node->stopping));
    ck_assert_uint_eq(atomic_load(&node->time_offset_ms), 0);
    /* The operator may. */
    out = call(NET_RPC_OPERATOR, "dev_time_advance", "\xcd\x10\x00", 3, 1, &status);
    ck_assert_int_eq(status, 0);
    ck_assert_uint_eq(atomic_load(&node->time_offset_ms), 4096);
    free(out);
    out = call(NET_RPC_OPERATOR, "stop", "", 0, 0, &status);
    ck_assert_int_eq(status, 0);
    ck_assert(atomic_load(&node->stopping));
    free(out);
}
END_TEST

/* A request of exactly the limit passes the size check; one byte more is TOO_LARGE. */
static size_t request_len_with_pad(const char *method, size_t pad)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 2);
    ldg_enc_str(&e, method);
    uint8_t *z = calloc(1, pad ? pad : 1);
    ldg_enc_bin(&e, z, pad);
    free(z);
    size_t n = ldg_enc_len(&e);
    ldg_enc_free(&e);
    return n;
}

static int status_with_pad(const char *method, size_t pad)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 2);
    ldg_enc_str(&e, method);
    uint8_t *z = calloc(1, pad ? pad : 1);
    ldg_enc_bin(&e, z, pad);
    free(z);
    int status = -1;
    char *out =
        net_rpc_dispatch(node, NET_RPC_OPERATOR, ldg_enc_data(&e), ldg_enc_len(&e), &status);
    ldg_enc_free(&e);
    ck_assert_ptr_nonnull(out);
    free(out);
    return status;
}

START_TEST(test_size_limits)
{
    for (size_t i = 0; i < net_rpc_method_count; i++) {
        const net_rpc_method *m = &net_rpc_methods[i];
        if (!strcmp(m->name, "stop") || m->request_max > LDG_RPC_REQUEST_QUERY_MAX)
            continue;
        /* Find the pad that makes the request exactly request_max bytes. */
        size_t pad = m->request_max - 16;
        while (request_len_with_pad(m->name, pad) > m->request_max)
            pad--;
        while (request_len_with_pad(m->name, pad + 1) <= m->request_max)
            pad++;
        ck_assert_uint_eq(request_len_with_pad(m->name, pad), m->request_max);
        ck_assert_int_ne(status_with_pad(m->name, pad), LDG_ERR_TOO_LARGE);
        ck_assert_msg(status_with_pad(m->name, pad + 1) == LDG_ERR_TOO_LARGE,
                      "%s: a request over %zu bytes is not refused", m->name, m->request_max);
    }
    /* submit takes large requests; an unknown method is held to the small limit. */
    ck_assert_int_ne(status_with_pad("submit", 100000), LDG_ERR_TOO_LARGE);
    ck_assert_int_eq(status_with_pad("no_such_method", LDG_RPC_REQUEST_SMALL_MAX),
                     LDG_ERR_TOO_LARGE);
    ck_assert_int_eq(status_with_pad("no_such_method", 10), LDG_ERR_PROTOCOL);
}
END_TEST

START_TEST(test_hostile_names)
{
    /* Not UTF-8, not printable, a NUL inside, 31 and 32 bytes, not text at all. */
    static const char *const names[] = {"x\xed\xa0\x80", "\x01\x02", "bad'quote",
                                        "0123456789012345678901234567890",
                                        "01234567890123456789012345678901"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        int status = -1;
        char *out = call(NET_RPC_PUBLIC, names[i], "", 0, 0, &status);
        ck_assert_int_ne(status, 0);
        free(out);
    }
    static const uint8_t raw[][6] = {{0x91, 0xa3, 's', 0, 'p'}, {0x91, 0x01}, {0x90}, {0xa1, 'x'}};
    static const size_t lens[] = {5, 2, 1, 2};
    for (size_t i = 0; i < 4; i++) {
        int status = -1;
        char *out = net_rpc_dispatch(node, NET_RPC_PUBLIC, raw[i], lens[i], &status);
        ck_assert_ptr_nonnull(out);
        ck_assert_int_ne(status, 0);
        free(out);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("rpc_methods");
    TCase *tc = tcase_create("table");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_table_well_formed);
    tcase_add_test(tc, test_table_matches_spec);
    tcase_add_test(tc, test_every_method_reachable);
    tcase_add_test(tc, test_operator_methods_refused_to_public);
    tcase_add_test(tc, test_size_limits);
    tcase_add_test(tc, test_hostile_names);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
