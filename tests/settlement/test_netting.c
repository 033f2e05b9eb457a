/* Multilateral netting: hand-checked cases, errors, and the property net == gross replayed
 * (with conservation) on random cycles. Seeded: FOLIO_TEST_SEED replays a run. */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stl_netting.h"

static uint64_t test_seed;

static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

typedef struct net_run {
    stl_net_out out;
    void *ws;
} net_run;

static stl_net_rc run_net(net_run *r, const stl_net_dims *d, const stl_obligation *o, size_t n)
{
    size_t cap = 2 * n + 1;
    memset(r, 0, sizeof *r);
    r->out.securities = calloc(cap, sizeof(stl_net_position));
    r->out.cash = calloc(cap, sizeof(stl_net_position));
    r->out.values = calloc(cap, sizeof(stl_net_value));
    r->out.securities_cap = r->out.cash_cap = r->out.values_cap = cap;
    size_t bytes = stl_net_workspace_bytes(n);
    r->ws = aligned_alloc(16, (bytes + 15) & ~(size_t)15);
    ck_assert(r->out.securities && r->out.cash && r->out.values && r->ws);
    return stl_net_compute(&r->out, r->ws, bytes, d, o, n);
}

static void free_run(net_run *r)
{
    free(r->out.securities);
    free(r->out.cash);
    free(r->out.values);
    free(r->ws);
}

START_TEST(test_hand_checked)
{
    /* 0 sells 10 X to 1 for 100; 1 sells 4 X to 2 for 44; 2 sells 6 X to 0 for 70. */
    stl_obligation o[] = {
        {.id = 1, .from = 0, .to = 1, .isin = 0, .currency = 0, .quantity = 10, .cash_amount = 100},
        {.id = 2, .from = 1, .to = 2, .isin = 0, .currency = 0, .quantity = 4, .cash_amount = 44},
        {.id = 3, .from = 2, .to = 0, .isin = 0, .currency = 0, .quantity = 6, .cash_amount = 70},
    };
    stl_net_dims d = {.participant_count = 3, .isin_count = 1, .currency_count = 1};
    net_run r;
    ck_assert_int_eq(run_net(&r, &d, o, 3), STL_NET_OK);
    /* securities: 0: -10+6=-4, 1: +10-4=+6, 2: +4-6=-2 */
    ck_assert_uint_eq(r.out.securities_count, 3);
    int64_t sec[] = {-4, 6, -2};
    for (uint32_t i = 0; i < 3; i++) {
        ck_assert_uint_eq(r.out.securities[i].participant, i);
        ck_assert_int_eq(r.out.securities[i].net, sec[i]);
    }
    /* cash: 0: +100-70=+30, 1: -100+44=-56, 2: -44+70=+26 */
    int64_t cash[] = {30, -56, 26};
    ck_assert_uint_eq(r.out.cash_count, 3);
    for (uint32_t i = 0; i < 3; i++)
        ck_assert_int_eq(r.out.cash[i].net, cash[i]);
    ck_assert_uint_eq(r.out.gross_value, 214);
    ck_assert_uint_eq(r.out.net_value, 56);
    ck_assert_uint_eq(r.out.gross_quantity, 20);
    ck_assert_uint_eq(r.out.net_quantity, 6);
    ck_assert_uint_eq(r.out.values_count, 1);
    ck_assert_uint_eq(r.out.values[0].gross, 214);
    ck_assert_uint_eq(r.out.values[0].net, 56);
    free_run(&r);
}
END_TEST

START_TEST(test_offsetting_cycle_nets_to_nothing)
{
    stl_obligation o[] = {
        {.id = 1, .from = 0, .to = 1, .isin = 2, .currency = 1, .quantity = 5, .cash_amount = 50},
        {.id = 2, .from = 1, .to = 0, .isin = 2, .currency = 1, .quantity = 5, .cash_amount = 50},
    };
    stl_net_dims d = {.participant_count = 2, .isin_count = 3, .currency_count = 2};
    net_run r;
    ck_assert_int_eq(run_net(&r, &d, o, 2), STL_NET_OK);
    ck_assert_uint_eq(r.out.securities_count, 0);
    ck_assert_uint_eq(r.out.cash_count, 0);
    ck_assert_uint_eq(r.out.gross_value, 100);
    ck_assert_uint_eq(r.out.net_value, 0);
    free_run(&r);
}
END_TEST

START_TEST(test_errors)
{
    stl_net_dims d = {.participant_count = 2, .isin_count = 1, .currency_count = 1};
    stl_obligation o = {.from = 0, .to = 1, .quantity = 1, .cash_amount = 1};
    net_run r;
    stl_obligation bad = o;
    bad.to = 2;
    ck_assert_int_eq(run_net(&r, &d, &bad, 1), STL_NET_BAD_INDEX);
    ck_assert_uint_eq(r.out.securities_count, 0);
    free_run(&r);
    bad = o;
    bad.isin = 1;
    ck_assert_int_eq(run_net(&r, &d, &bad, 1), STL_NET_BAD_INDEX);
    free_run(&r);
    bad = o;
    bad.to = 0;
    ck_assert_int_eq(run_net(&r, &d, &bad, 1), STL_NET_SELF);
    free_run(&r);
    bad = o;
    bad.cash_amount = STL_AMOUNT_MAX + 1;
    ck_assert_int_eq(run_net(&r, &d, &bad, 1), STL_NET_BAD_AMOUNT);
    free_run(&r);
    /* Two deliveries of 2^62 to one participant: +2^63 does not fit int64. */
    stl_obligation big[2] = {o, o};
    big[0].quantity = big[1].quantity = STL_AMOUNT_MAX;
    ck_assert_int_eq(run_net(&r, &d, big, 2), STL_NET_OVERFLOW);
    ck_assert_uint_eq(r.out.securities_count, 0);
    free_run(&r);
    /* Gross value over u64: four cash amounts of 2^62 in alternating directions. */
    stl_obligation four[4] = {o, o, o, o};
    for (int i = 0; i < 4; i++) {
        four[i].cash_amount = STL_AMOUNT_MAX;
        four[i].from = (uint32_t)(i & 1);
        four[i].to = (uint32_t) !(i & 1);
    }
    ck_assert_int_eq(run_net(&r, &d, four, 4), STL_NET_OVERFLOW);
    free_run(&r);
    /* Workspace and capacity. */
    ck_assert_int_eq(run_net(&r, &d, &o, 1), STL_NET_OK);
    ck_assert_int_eq(stl_net_compute(&r.out, r.ws, stl_net_workspace_bytes(1) - 1, &d, &o, 1),
                     STL_NET_WORKSPACE);
    r.out.cash_cap = 1;
    ck_assert_int_eq(stl_net_compute(&r.out, r.ws, stl_net_workspace_bytes(1), &d, &o, 1),
                     STL_NET_CAPACITY);
    ck_assert_uint_eq(r.out.cash_count, 0);
    free_run(&r);
    ck_assert_str_eq(stl_net_rc_name(STL_NET_OVERFLOW), "OVERFLOW");
    ck_assert_str_eq(stl_net_rc_name((stl_net_rc)99), "UNKNOWN");
}
END_TEST

static stl_obligation *random_obligations(uint64_t *s, const stl_net_dims *d, size_t n)
{
    stl_obligation *o = calloc(n, sizeof *o);
    ck_assert(o);
    for (size_t i = 0; i < n; i++) {
        o[i].id = i;
        o[i].from = (uint32_t)(rng_next(s) % d->participant_count);
        do
            o[i].to = (uint32_t)(rng_next(s) % d->participant_count);
        while (o[i].to == o[i].from);
        o[i].isin = (uint32_t)(rng_next(s) % d->isin_count);
        o[i].currency = (uint32_t)(rng_next(s) % d->currency_count);
        o[i].quantity = rng_next(s) % 1000000;
        o[i].cash_amount = rng_next(s) % (rng_next(s) & 1 ? 1000 : 1000000000000ULL);
    }
    return o;
}

/* Settles gross, one by one, on dense balances starting at `start`; checks each step. */
static void replay_gross(int64_t *sec, int64_t *cash, const stl_net_dims *d,
                         const stl_obligation *o, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int64_t q = (int64_t)o[i].quantity, c = (int64_t)o[i].cash_amount;
        int64_t *sf = &sec[(size_t)o[i].from * d->isin_count + o[i].isin];
        int64_t *st = &sec[(size_t)o[i].to * d->isin_count + o[i].isin];
        int64_t *cf = &cash[(size_t)o[i].from * d->currency_count + o[i].currency];
        int64_t *ct = &cash[(size_t)o[i].to * d->currency_count + o[i].currency];
        ck_assert(*sf >= q && *ct >= c); /* ample balances: gross settlement never fails */
        *sf -= q;
        *st += q;
        *ct -= c;
        *cf += c;
    }
}

START_TEST(test_net_equals_gross_replayed)
{
    uint64_t s = test_seed + (uint64_t)_i;
    stl_net_dims d = {.participant_count = 2 + (uint32_t)(rng_next(&s) % 40),
                      .isin_count = 1 + (uint32_t)(rng_next(&s) % 30),
                      .currency_count = 1 + (uint32_t)(rng_next(&s) % 3)};
    size_t n = (size_t)(rng_next(&s) % 3000);
    stl_obligation *o = random_obligations(&s, &d, n);
    size_t ns = (size_t)d.participant_count * d.isin_count;
    size_t nc = (size_t)d.participant_count * d.currency_count;
    const int64_t ample = (int64_t)1 << 61;
    int64_t *gs = malloc(ns * 8), *gc = malloc(nc * 8), *ns_ = malloc(ns * 8),
            *nc_ = malloc(nc * 8);
    ck_assert(gs && gc && ns_ && nc_);
    for (size_t i = 0; i < ns; i++)
        gs[i] = ns_[i] = ample;
    for (size_t i = 0; i < nc; i++)
        gc[i] = nc_[i] = ample;
    replay_gross(gs, gc, &d, o, n);

    net_run r;
    ck_assert_int_eq(run_net(&r, &d, o, n), STL_NET_OK);
    unsigned __int128 gross = 0, net = 0, gq = 0;
    for (size_t i = 0; i < n; i++) {
        gross += o[i].cash_amount;
        gq += o[i].quantity;
    }
    int64_t *sum_sec = calloc(d.isin_count, 8), *sum_cash = calloc(d.currency_count, 8);
    for (size_t i = 0; i < r.out.securities_count; i++) {
        const stl_net_position *p = &r.out.securities[i];
        ck_assert_int_ne(p->net, 0);
        if (i > 0) { /* strictly sorted by (asset, participant) */
            const stl_net_position *q = &r.out.securities[i - 1];
            ck_assert(q->asset < p->asset ||
                      (q->asset == p->asset && q->participant < p->participant));
        }
        ns_[(size_t)p->participant * d.isin_count + p->asset] += p->net;
        sum_sec[p->asset] += p->net;
    }
    for (size_t i = 0; i < r.out.cash_count; i++) {
        const stl_net_position *p = &r.out.cash[i];
        nc_[(size_t)p->participant * d.currency_count + p->asset] += p->net;
        sum_cash[p->asset] += p->net;
        if (p->net > 0)
            net += (uint64_t)p->net;
    }
    ck_assert_mem_eq(gs, ns_, ns * 8);
    ck_assert_mem_eq(gc, nc_, nc * 8);
    for (uint32_t a = 0; a < d.isin_count; a++)
        ck_assert_int_eq(sum_sec[a], 0); /* conservation per instrument */
    for (uint32_t a = 0; a < d.currency_count; a++)
        ck_assert_int_eq(sum_cash[a], 0); /* conservation per currency */
    ck_assert(r.out.gross_value == (uint64_t)gross && r.out.net_value == (uint64_t)net);
    ck_assert(r.out.gross_quantity == (uint64_t)gq);
    ck_assert(r.out.net_value <= r.out.gross_value);
    uint64_t vg = 0, vn = 0;
    for (size_t i = 0; i < r.out.values_count; i++) {
        vg += r.out.values[i].gross;
        vn += r.out.values[i].net;
    }
    ck_assert(vg == r.out.gross_value && vn == r.out.net_value);

    /* Determinism: a shuffled copy of the input gives byte-identical positions. */
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(rng_next(&s) % i);
        stl_obligation t = o[i - 1];
        o[i - 1] = o[j];
        o[j] = t;
    }
    net_run r2;
    ck_assert_int_eq(run_net(&r2, &d, o, n), STL_NET_OK);
    ck_assert_uint_eq(r2.out.securities_count, r.out.securities_count);
    ck_assert_uint_eq(r2.out.cash_count, r.out.cash_count);
    ck_assert_mem_eq(r2.out.securities, r.out.securities,
                     r.out.securities_count * sizeof(stl_net_position));
    ck_assert_mem_eq(r2.out.cash, r.out.cash, r.out.cash_count * sizeof(stl_net_position));
    free_run(&r);
    free_run(&r2);
    free(o);
    free(gs);
    free(gc);
    free(ns_);
    free(nc_);
    free(sum_sec);
    free(sum_cash);
}
END_TEST

static Suite *netting_suite(void)
{
    Suite *s = suite_create("stl_netting");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_hand_checked);
    tcase_add_test(tc, test_offsetting_cycle_nets_to_nothing);
    tcase_add_test(tc, test_errors);
    tcase_add_loop_test(tc, test_net_equals_gross_replayed, 0, 50);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    const char *env = getenv("FOLIO_TEST_SEED");
    test_seed = env ? strtoull(env, NULL, 0) : 0x5eed0001ULL;
    printf("test_netting: FOLIO_TEST_SEED=%" PRIu64 "\n", test_seed);
    SRunner *sr = srunner_create(netting_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
