/* Unit tests for the stream-server core (net/net_stream_server.c) with a toy protocol, in
 * process over tcp: bytes queued while a send is in flight (an event stream's feeder does
 * that) reach a slow reader whole and in order; the connection cap evicts the connection
 * silent longest; the receive budget refuses a growth past it and gives the bytes back. */
#include "testlib.h"

#include "net_stream_server.h"

#include <nng/nng.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STREAM_TOTAL (2u * 1024 * 1024) /* bytes the side thread queues per connection */
#define STREAM_CHUNK 8192
#define BUDGET 65536

typedef struct tconn {
    uint8_t byte; /* what the client sent: 'S' stream to me, 'B' grow a buffer */
    size_t queued;
    bool streaming;
    net_stream_buf buf;
} tconn;

static atomic_int budget_result = -1;

static uint8_t pattern(size_t i)
{
    return (uint8_t)(i * 7 % 251);
}

static bool t_open(net_stream_conn *c)
{
    tconn *t = net_stream_data(c);
    net_stream_recv(c, &t->byte, 1, NET_STREAM_IDLE);
    return true;
}

/* 'B': a buffer for 3 × BUDGET bytes, grown fourfold from 4 KiB: to 16 KiB (12 KiB charged)
 * and 64 KiB (60 KiB) within the budget, not to 192 KiB (188 KiB). */
static void t_received(net_stream_conn *c, size_t n, uint64_t now)
{
    (void)n, (void)now;
    tconn *t = net_stream_data(c);
    if (t->byte == 'S') {
        t->streaming = true;
        return;
    }
    int r = -2;
    if (net_stream_buf_alloc(c, &t->buf, 3 * BUDGET, 4096)) {
        r = 0;
        while (r < 10 && net_stream_buf_grow(c, &t->buf, 4) == NET_STREAM_GROWN)
            r++;
        r = 10 * r + (int)net_stream_buf_grow(c, &t->buf, 4);
        net_stream_buf_release(c, &t->buf);
    }
    atomic_store(&budget_result, r);
    net_stream_recv(c, &t->byte, 1, NET_STREAM_IDLE);
}

static void t_nothing(net_stream_conn *c)
{
    (void)c;
}

static bool t_evictable(const net_stream_conn *c)
{
    (void)c;
    return true;
}

static void t_reaped(net_stream_conn *c)
{
    tconn *t = net_stream_data(c);
    if (t->buf.data)
        net_stream_buf_release(c, &t->buf);
}

static const net_stream_proto toy = {
    .conn_size = sizeof(tconn),
    .conn_max = 3,
    .small_max = 4096,
    .rx_budget = BUDGET,
    .idle_ms = 10000,
    .tx_ms = 10000,
    .drain_ms = 1000,
    .open = t_open,
    .received = t_received,
    .serve = t_nothing,
    .served = t_nothing,
    .sent = t_nothing,
    .evictable = t_evictable,
    .reaped = t_reaped,
    .release = t_nothing,
};

/* Queues the next chunk on each streaming connection whether or not a send is in flight. */
static void *feeder(void *arg)
{
    net_stream_server *s = arg;
    uint8_t chunk[STREAM_CHUNK];
    net_stream_lock(s);
    while (!net_stream_quitting(s)) {
        for (net_stream_conn *c = net_stream_first(s); c; c = net_stream_next(c)) {
            tconn *t = net_stream_data(c);
            if (net_stream_closing(c) || !t->streaming || t->queued >= STREAM_TOTAL)
                continue;
            for (size_t i = 0; i < STREAM_CHUNK; i++)
                chunk[i] = pattern(t->queued + i);
            t->queued += STREAM_CHUNK;
            net_stream_send(c, chunk, STREAM_CHUNK);
        }
        net_stream_sleep(s, 1);
    }
    net_stream_unlock(s);
    return NULL;
}

static char url[64];

static net_stream_server *start(void)
{
    snprintf(url, sizeof url, "tcp://127.0.0.1:%d", 27000 + (int)(getpid() % 2000) * 2);
    net_stream_server *s;
    char err[256];
    ck_assert_msg(net_stream_server_start(&s, &toy, NULL, url, NULL, "", url, err, sizeof err) == 0,
                  "%s", err);
    net_stream_server_run(s, 1, feeder);
    return s;
}

static nng_stream *dial(void)
{
    nng_stream_dialer *d;
    nng_aio *aio;
    ck_assert_int_eq(nng_stream_dialer_alloc(&d, url), 0);
    ck_assert_int_eq(nng_aio_alloc(&aio, NULL, NULL), 0);
    nng_stream_dialer_dial(d, aio);
    nng_aio_wait(aio);
    ck_assert_int_eq(nng_aio_result(aio), 0);
    nng_stream *st = nng_aio_get_output(aio, 0);
    nng_aio_free(aio);
    nng_stream_dialer_free(d);
    return st;
}

static int io(nng_stream *st, void *p, size_t n, bool send, size_t *got)
{
    nng_aio *aio;
    ck_assert_int_eq(nng_aio_alloc(&aio, NULL, NULL), 0);
    nng_iov iov = {p, n};
    nng_aio_set_iov(aio, 1, &iov);
    nng_aio_set_timeout(aio, 5000);
    if (send)
        nng_stream_send(st, aio);
    else
        nng_stream_recv(st, aio);
    nng_aio_wait(aio);
    int rv = nng_aio_result(aio);
    *got = rv == 0 ? nng_aio_count(aio) : 0;
    nng_aio_free(aio);
    return rv;
}

START_TEST(test_queue_while_sending)
{
    net_stream_server *s = start();
    nng_stream *st = dial();
    size_t n;
    ck_assert_int_eq(io(st, "S", 1, true, &n), 0);
    uint8_t *buf = malloc(STREAM_TOTAL);
    size_t got = 0;
    while (got < STREAM_TOTAL) {
        size_t want = STREAM_TOTAL - got < 3000 ? STREAM_TOTAL - got : 3000;
        ck_assert_int_eq(io(st, buf + got, want, false, &n), 0);
        got += n;
        usleep(1000); /* slower than the feeder: it queues behind sends in flight */
    }
    for (size_t i = 0; i < STREAM_TOTAL; i++)
        ck_assert_msg(buf[i] == pattern(i), "byte %zu is %u, not %u", i, buf[i], pattern(i));
    free(buf);
    nng_stream_free(st);
    net_stream_server_stop(s);
}
END_TEST

START_TEST(test_cap_evicts_oldest)
{
    net_stream_server *s = start();
    nng_stream *st[4];
    for (int i = 0; i < 4; i++) {
        st[i] = dial();
        usleep(20000); /* distinct arrival times */
    }
    net_stream_stats stats = {0};
    for (int i = 0; i < 100 && (net_stream_server_stats(s, &stats), stats.accepted < 4); i++)
        usleep(10000);
    ck_assert_uint_eq(stats.accepted, 4);
    ck_assert_uint_eq(stats.evicted, 1);
    ck_assert_uint_eq(stats.open, 3);
    /* The first (silent longest) is the one closed. */
    uint8_t b;
    size_t n;
    int rv = io(st[0], &b, 1, false, &n);
    ck_assert(rv != 0 && rv != NNG_ETIMEDOUT);
    for (int i = 0; i < 4; i++)
        nng_stream_free(st[i]);
    net_stream_server_stop(s);
}
END_TEST

START_TEST(test_budget)
{
    net_stream_server *s = start();
    nng_stream *st = dial();
    size_t n;
    ck_assert_int_eq(io(st, "B", 1, true, &n), 0);
    for (int i = 0; i < 200 && atomic_load(&budget_result) < 0; i++)
        usleep(10000);
    /* Two growths, then the budget. */
    ck_assert_int_eq(atomic_load(&budget_result), 20 + NET_STREAM_OVER_BUDGET);
    net_stream_stats stats;
    net_stream_server_stats(s, &stats);
    ck_assert_uint_eq(stats.buffered, 0);
    nng_stream_free(st);
    net_stream_server_stop(s);
}
END_TEST

int main(void)
{
    Suite *su = suite_create("stream_server");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_queue_while_sending);
    tcase_add_test(tc, test_cap_evicts_oldest);
    tcase_add_test(tc, test_budget);
    suite_add_tcase(su, tc);
    SRunner *sr = srunner_create(su);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
