/* Unit tests for net/net_clock: the node's clock for chain time follows the wall clock but
 * gains at most 1/LDG_CLOCK_GAIN_DIV on the monotonic clock, so a +2 h step of the wall
 * clock moves it by at most 1 % of the time the step lasts and a correction brings it back
 * at once; the block time, proposal time and heartbeat rules; and the test hook
 * (FOLIO_TEST_CLOCK_FILE) stepping a running clock through a file. */
#include "testlib.h"

#include "net_clock.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#define MS 1000000ULL /* ns */
#define S (1000 * MS)
#define T0 (1780000000ULL * S) /* some wall time in 2026 */
#define HOUR (3600 * S)

static uint64_t adv(net_clock_state *s, uint64_t wall, uint64_t mono)
{
    net_clock_report r;
    return net_clock_advance(s, wall, mono, &r);
}

START_TEST(test_follows_a_steady_wall_clock)
{
    net_clock_state s = {0};
    ck_assert_uint_eq(adv(&s, T0, 5 * S), T0); /* the first reading is the wall clock */
    for (uint64_t k = 1; k <= 1000; k++)
        ck_assert_uint_eq(adv(&s, T0 + k * 7 * MS, 5 * S + k * 7 * MS), T0 + k * 7 * MS);
}
END_TEST

/* The case: +2 h, a block, the correction. */
START_TEST(test_forward_step_is_bounded)
{
    net_clock_state s = {0};
    net_clock_report r;
    adv(&s, T0, 0);
    /* The wall clock jumps +2 h; 10 minutes pass, read every 20 ms (a busy chain). */
    uint64_t c = 0;
    for (uint64_t t = 20 * MS; t <= 600 * S; t += 20 * MS) {
        c = net_clock_advance(&s, T0 + 2 * HOUR + t, t, &r);
        ck_assert_uint_le(c, T0 + t + t / LDG_CLOCK_GAIN_DIV);
        ck_assert_uint_ge(c, T0 + t);
        if (t == 20 * MS)
            ck_assert_int_eq(r, NET_CLOCK_STEPPED);
        else
            ck_assert_int_eq(r, NET_CLOCK_QUIET);
    }
    ck_assert_uint_le(c - (T0 + 600 * S), 6 * S); /* 1 % of 10 minutes */
    /* Corrected: back on the wall clock at once. */
    c = net_clock_advance(&s, T0 + 600 * S + 20 * MS, 600 * S + 20 * MS, &r);
    ck_assert_uint_eq(c, T0 + 600 * S + 20 * MS);
    ck_assert_int_eq(r, NET_CLOCK_AGREE);
}
END_TEST

/* Read rarely (an idle node): the bound does not depend on how often it is read. */
START_TEST(test_bound_independent_of_reading_rate)
{
    net_clock_state a = {0}, b = {0};
    adv(&a, T0, 0);
    adv(&b, T0, 0);
    uint64_t ca = 0, cb = 0;
    for (uint64_t t = MS; t <= 100 * S; t += MS)
        ca = adv(&a, T0 + HOUR + t, t);
    cb = adv(&b, T0 + HOUR + 100 * S, 100 * S);
    ck_assert_uint_le(ca, T0 + 101 * S);
    ck_assert_uint_le(cb, T0 + 101 * S);
    ck_assert_uint_ge(ca, T0 + 100 * S + 999 * MS); /* it does gain its 1 % */
}
END_TEST

START_TEST(test_backward_step_followed_at_once)
{
    net_clock_state s = {0};
    adv(&s, T0, 0);
    ck_assert_uint_eq(adv(&s, T0 - HOUR, S), T0 - HOUR);
    ck_assert_uint_eq(adv(&s, T0 - HOUR + S, 2 * S), T0 - HOUR + S);
}
END_TEST

/* A legitimate forward correction (the clock was behind) is caught up at 1 %. */
START_TEST(test_forward_correction_caught_up)
{
    net_clock_state s = {0};
    adv(&s, T0, 0);
    uint64_t c = adv(&s, T0 + 10 * S + 60 * S, 10 * S); /* the wall clock gains a minute */
    ck_assert_uint_eq(c, T0 + 10 * S + 10 * S / LDG_CLOCK_GAIN_DIV);
    /* After 100 minutes the minute is made up and the clock is on the wall clock again. */
    for (uint64_t t = 10 * S; t <= 6010 * S; t += S)
        c = adv(&s, T0 + 60 * S + t, t);
    ck_assert_uint_eq(c, T0 + 60 * S + 6010 * S);
}
END_TEST

START_TEST(test_monotonic_going_back_adds_nothing)
{
    net_clock_state s = {0};
    adv(&s, T0, 10 * S);
    ck_assert_uint_eq(adv(&s, T0 + HOUR, 9 * S), T0);
}
END_TEST

START_TEST(test_block_time_and_proposal_bound)
{
    ck_assert_uint_eq(net_clock_block_time(1000, 500), 1000);
    ck_assert_uint_eq(net_clock_block_time(1000, 1000), 1001);
    ck_assert_uint_eq(net_clock_block_time(1000, 7200000), 7200001);
    ck_assert(net_clock_time_ok(1000, 1000));
    ck_assert(net_clock_time_ok(1000 + LDG_CLOCK_AHEAD_MAX_MS, 1000));
    ck_assert(!net_clock_time_ok(1001 + LDG_CLOCK_AHEAD_MAX_MS, 1000));
    ck_assert(!net_clock_time_ok(1000 + 2 * 3600 * 1000, 1000)); /* a +2 h proposer */
    ck_assert(!net_clock_heartbeat_due(1000 + LDG_BLOCK_HEARTBEAT_MS - 1, 1000));
    ck_assert(net_clock_heartbeat_due(1000 + LDG_BLOCK_HEARTBEAT_MS, 1000));
}
END_TEST

static void write_offset(const char *path, long long ms)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "%lld\n", ms);
    fclose(f);
}

static uint64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The node's clock through the test hook: +2 h in the file does not move it past the
 * bound; 0 in the file brings it back to the wall clock. */
START_TEST(test_hook_steps_a_running_clock)
{
    char path[] = "/tmp/folio-test-clock.XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    write_offset(path, 0);
    setenv("FOLIO_TEST_CLOCK_FILE", path, 1);
    net_clock c;
    net_clock_init(&c);
    unsetenv("FOLIO_TEST_CLOCK_FILE");
    uint64_t a = net_clock_now_ms(&c);
    ck_assert_uint_le(a > wall_ms() ? a - wall_ms() : wall_ms() - a, 50);
    write_offset(path, 2 * 3600 * 1000LL);
    usleep((NET_CLOCK_TEST_REREAD_MS + 20) * 1000);
    uint64_t w = wall_ms(), b = net_clock_now_ms(&c);
    ck_assert_uint_le(b, w + 1000); /* not 2 h ahead */
    ck_assert_uint_eq(c.test_offset_ms, 2 * 3600 * 1000LL);
    write_offset(path, 0);
    usleep((NET_CLOCK_TEST_REREAD_MS + 20) * 1000);
    w = wall_ms();
    b = net_clock_now_ms(&c);
    ck_assert_uint_le(b > w ? b - w : w - b, 50);
    net_clock_destroy(&c);
    unlink(path);
}
END_TEST

/* Timed waits run on the monotonic clock: a 50 ms wait times out after about 50 ms. */
START_TEST(test_cond_deadline)
{
    pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t cv;
    net_clock_cond_init(&cv);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pthread_mutex_lock(&mu);
    struct timespec until = net_clock_cond_deadline(50);
    ck_assert_int_lt(until.tv_nsec, 1000000000L);
    int rc;
    while ((rc = pthread_cond_timedwait(&cv, &mu, &until)) == 0)
        ;
    pthread_mutex_unlock(&mu);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ck_assert_int_eq(rc, ETIMEDOUT);
    int64_t ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    ck_assert_int_ge(ms, 49);
    ck_assert_int_le(ms, 2000);
    struct timespec far = net_clock_cond_deadline(2999);
    ck_assert_int_lt(far.tv_nsec, 1000000000L);
    pthread_cond_destroy(&cv);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("clock");
    TCase *tc = tcase_create("clock");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_follows_a_steady_wall_clock);
    tcase_add_test(tc, test_forward_step_is_bounded);
    tcase_add_test(tc, test_bound_independent_of_reading_rate);
    tcase_add_test(tc, test_backward_step_followed_at_once);
    tcase_add_test(tc, test_forward_correction_caught_up);
    tcase_add_test(tc, test_monotonic_going_back_adds_nothing);
    tcase_add_test(tc, test_block_time_and_proposal_bound);
    tcase_add_test(tc, test_hook_steps_a_running_clock);
    tcase_add_test(tc, test_cond_deadline);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
