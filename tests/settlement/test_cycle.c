/* Netting cycles through the executor: conservation, a flat CCP, net == gross replayed,
 * determinism under shuffled submission, gridlock resolution, fails carried with reason and
 * age, bilateral instructions and the queue. Randomised parts print their seed and honour
 * FOLIO_TEST_SEED. */
#include "stl_testkit.h"

#include "net_query_settlement.h"

static uint64_t g_seed;

#define X "US0378331005"
#define Y "US5949181045"
#define Z "DE0005140008"
#define CNY "CNY"

typedef struct world {
    tk t;
    int ccp, clear, b[16];
    int nb;
} world;

static void world_init(world *w, int brokers)
{
    tk_init(&w->t);
    w->ccp = tk_party_add(&w->t, "ccp", LDG_ROLE_CCP);
    w->clear = tk_party_add(&w->t, "clearing", LDG_ROLE_CLEARING);
    w->nb = brokers;
    for (int i = 0; i < brokers; i++) {
        char n[24];
        snprintf(n, sizeof n, "broker-%d", i);
        w->b[i] = tk_party_add(&w->t, n, LDG_ROLE_BROKER);
    }
    tk_asset_add(&w->t, X, AST_KIND_EQUITY);
    tk_asset_add(&w->t, Y, AST_KIND_EQUITY);
    tk_asset_add(&w->t, Z, AST_KIND_EQUITY);
    tk_asset_add(&w->t, CNY, AST_KIND_CASH);
    tk_commit(&w->t);
}

static uint64_t run_cycle(world *w)
{
    ck_assert_int_eq(tk_empty(&w->t, w->clear, STL_TX_CYCLE_RUN), LDG_R_OK);
    uint64_t n = tk_receipt_id(&w->t);
    tk_commit(&w->t);
    return n;
}

static const char *trade_status(world *w, uint64_t id)
{
    static char out[32];
    ldg_err err;
    json_t *j = net_query_trade(w->t.st, id, &err);
    ck_assert_ptr_nonnull(j);
    snprintf(out, sizeof out, "%s", json_string_value(json_object_get(j, "status")));
    json_decref(j);
    return out;
}

static void escrow(ldg_account *a)
{
    ldg_hash h;
    ldg_tagged_hash(&h, "folio/settlement-escrow", "", 0);
    memcpy(a->b, h.b, LDG_ACCOUNT_LEN);
}

/* A sells X to B, B sells Y to A, for the same cash; neither holds cash: no trade can settle
 * on its own (gross), both settle together. */
START_TEST(test_gridlock)
{
    world w;
    world_init(&w, 2);
    tk *t = &w.t;
    int a = w.b[0], b = w.b[1];
    tk_give(t, a, X, 100);
    tk_give(t, b, Y, 50);
    tk_give(t, a, CNY, 1); /* a token amount, far from the 100000 either trade needs */
    tk_commit(t);
    uint64_t t1 = tk_trade(t, a, b, X, 100, 1000, CNY);
    uint64_t t2 = tk_trade(t, b, a, Y, 50, 2000, CNY);
    tk_commit(t);
    /* Gross, one by one, neither buyer can pay. */
    ck_assert_uint_lt(tk_bal(t, b, CNY), 100000);
    ck_assert_uint_lt(tk_bal(t, a, CNY), 100000);
    uint64_t n = run_cycle(&w);
    ck_assert_uint_eq(n, 1);
    tk_report r;
    tk_report_get(t, n, &r);
    ck_assert_uint_eq(r.obligations, 4);
    ck_assert_uint_eq(r.settled_count, 4);
    ck_assert_uint_eq(r.carried_count, 0);
    ck_assert_uint_eq(r.gross, 400000);
    ck_assert_uint_eq(r.net, 0);
    ck_assert_uint_eq(r.settled_value, 400000);
    ck_assert_uint_eq(tk_bal(t, a, Y), 50);
    ck_assert_uint_eq(tk_bal(t, b, X), 100);
    ck_assert_uint_eq(tk_bal(t, a, X), 0);
    ck_assert_uint_eq(tk_bal(t, b, Y), 0);
    ck_assert_uint_eq(tk_bal(t, a, CNY), 1);
    tk_check_flat(t, w.ccp);
    tk_check_conserved(t);
    ck_assert_str_eq(trade_status(&w, t1), "settled");
    ck_assert_str_eq(trade_status(&w, t2), "settled");
    tk_free(t);
}
END_TEST

/* A seller short of securities: exactly its trade's two obligations are carried, with the
 * reason and age, again in the next cycle while unfunded, and they settle once funded,
 * together with new trades. */
START_TEST(test_seller_short_carried)
{
    world w;
    world_init(&w, 5);
    tk *t = &w.t;
    int s1 = w.b[0], b1 = w.b[1], s2 = w.b[2], b2 = w.b[3], lender = w.b[4];
    tk_give(t, s1, X, 5);
    tk_give(t, lender, X, 100);
    tk_give(t, s2, Y, 20);
    tk_give(t, b1, CNY, 1000000);
    tk_give(t, b2, CNY, 1000000);
    tk_commit(t);
    uint64_t t1 = tk_trade(t, s1, b1, X, 10, 300, CNY);
    uint64_t t2 = tk_trade(t, s2, b2, Y, 20, 150, CNY);
    tk_commit(t);
    uint64_t n = run_cycle(&w);
    tk_report r;
    tk_report_get(t, n, &r);
    ck_assert_uint_eq(r.obligations, 4);
    ck_assert_uint_eq(r.settled_count, 2);
    ck_assert_uint_eq(r.carried_count, 2);
    ck_assert_uint_eq(r.carried_value, 6000);
    ck_assert_uint_eq(r.nfail, 2);
    ck_assert_uint_eq(r.fail[0].obligation, 2 * t1);
    ck_assert_uint_eq(r.fail[0].trade, t1);
    ck_assert_uint_eq(r.fail[0].reason, STL_FAIL_SECURITIES);
    ck_assert_uint_eq(r.fail[0].age, 1);
    ck_assert_uint_eq(r.fail[1].obligation, 2 * t1 + 1);
    ck_assert_uint_eq(r.fail[1].reason, STL_FAIL_CCP_SECURITIES);
    ck_assert_uint_eq(r.fail[1].age, 1);
    /* t2 settled, t1 untouched: nobody delivered without being paid. */
    ck_assert_uint_eq(tk_bal(t, b2, Y), 20);
    ck_assert_uint_eq(tk_bal(t, s2, CNY), 3000);
    ck_assert_uint_eq(tk_bal(t, s1, X), 5);
    ck_assert_uint_eq(tk_bal(t, b1, CNY), 1000000);
    ck_assert_str_eq(trade_status(&w, t1), "novated");
    ck_assert_str_eq(trade_status(&w, t2), "settled");
    tk_check_flat(t, w.ccp);
    tk_check_conserved(t);

    /* Still unfunded: carried again, one cycle older. */
    n = run_cycle(&w);
    tk_report_get(t, n, &r);
    ck_assert_uint_eq(r.obligations, 2);
    ck_assert_uint_eq(r.settled_count, 0);
    ck_assert_uint_eq(r.nfail, 2);
    ck_assert_uint_eq(r.fail[0].age, 2);
    ck_assert_uint_eq(r.fail[1].age, 2);

    /* Funded by a transfer, plus a new trade: everything settles. */
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 3);
    ldg_enc_str(&e, X);
    ldg_enc_u64(&e, 5);
    ldg_enc_bin(&e, t->party[s1].acct.b, LDG_ACCOUNT_LEN);
    ck_assert_int_eq(tk_tx(t, lender, AST_TX_TRANSFER, &e), LDG_R_OK);
    ldg_enc_free(&e);
    uint64_t t3 = tk_trade(t, lender, b2, X, 7, 100, CNY);
    tk_commit(t);
    n = run_cycle(&w);
    tk_report_get(t, n, &r);
    ck_assert_uint_eq(r.obligations, 4);
    ck_assert_uint_eq(r.settled_count, 4);
    ck_assert_uint_eq(r.carried_count, 0);
    ck_assert_uint_eq(tk_bal(t, b1, X), 10);
    ck_assert_uint_eq(tk_bal(t, s1, CNY), 3000);
    ck_assert_uint_eq(tk_bal(t, b2, X), 7);
    ck_assert_str_eq(trade_status(&w, t1), "settled");
    ck_assert_str_eq(trade_status(&w, t3), "settled");
    tk_check_flat(t, w.ccp);
    tk_check_conserved(t);
    tk_free(t);
}
END_TEST

/* A buyer short of cash: the buyer's obligation fails for cash, the seller's for the CCP not
 * being paid; the seller keeps its securities. */
START_TEST(test_buyer_short)
{
    world w;
    world_init(&w, 2);
    tk *t = &w.t;
    tk_give(t, w.b[0], Z, 10);
    tk_give(t, w.b[1], CNY, 99);
    tk_commit(t);
    uint64_t id = tk_trade(t, w.b[0], w.b[1], Z, 10, 10, CNY);
    tk_commit(t);
    tk_report r;
    tk_report_get(t, run_cycle(&w), &r);
    ck_assert_uint_eq(r.settled_count, 0);
    ck_assert_uint_eq(r.nfail, 2);
    ck_assert_uint_eq(r.fail[0].obligation, 2 * id);
    ck_assert_uint_eq(r.fail[0].reason, STL_FAIL_CCP_CASH);
    ck_assert_uint_eq(r.fail[1].reason, STL_FAIL_CASH);
    ck_assert_uint_eq(tk_bal(t, w.b[0], Z), 10);
    ck_assert_uint_eq(tk_bal(t, w.b[1], CNY), 99);
    tk_check_flat(t, w.ccp);
    tk_check_conserved(t);
    tk_free(t);
}
END_TEST

/* ---- random trades ---- */

typedef struct rtrade {
    int seller, buyer;
    const char *isin;
    uint64_t qty, price;
} rtrade;

static const char *const g_isins[3] = {X, Y, Z};

static void gen_trades(tl_rng *rng, rtrade *tr, int n, int brokers)
{
    for (int i = 0; i < n; i++) {
        tr[i].seller = (int)tl_rng_below(rng, (uint64_t)brokers);
        do
            tr[i].buyer = (int)tl_rng_below(rng, (uint64_t)brokers);
        while (tr[i].buyer == tr[i].seller);
        tr[i].isin = g_isins[tl_rng_below(rng, 3)];
        tr[i].qty = 1 + tl_rng_below(rng, 50);
        tr[i].price = 1 + tl_rng_below(rng, 1000);
    }
}

/* Net == gross replayed: with ample liquidity, the cycle leaves every balance where
 * settling each trade gross, one by one, would. */
START_TEST(test_net_equals_gross)
{
    tl_rng rng;
    tl_rng_init(&rng, g_seed ^ 0x1111);
    for (int round = 0; round < 4; round++) {
        world w;
        int nb = 3 + (int)tl_rng_below(&rng, 8);
        world_init(&w, nb);
        tk *t = &w.t;
        /* model[broker][asset]: X, Y, Z, CNY */
        int64_t model[16][4];
        for (int i = 0; i < nb; i++) {
            for (int k = 0; k < 3; k++) {
                uint64_t q = 5000 + tl_rng_below(&rng, 5000);
                tk_give(t, w.b[i], g_isins[k], q);
                model[i][k] = (int64_t)q;
            }
            uint64_t c = 100000000 + tl_rng_below(&rng, 1000);
            tk_give(t, w.b[i], CNY, c);
            model[i][3] = (int64_t)c;
        }
        tk_commit(t);
        int n = 20 + (int)tl_rng_below(&rng, 200);
        rtrade tr[220];
        gen_trades(&rng, tr, n, nb);
        uint64_t gross = 0;
        for (int i = 0; i < n; i++) {
            tk_trade(t, w.b[tr[i].seller], w.b[tr[i].buyer], tr[i].isin, tr[i].qty, tr[i].price,
                     CNY);
            int k = !strcmp(tr[i].isin, X) ? 0 : !strcmp(tr[i].isin, Y) ? 1 : 2;
            uint64_t v = tr[i].qty * tr[i].price;
            model[tr[i].seller][k] -= (int64_t)tr[i].qty;
            model[tr[i].buyer][k] += (int64_t)tr[i].qty;
            model[tr[i].buyer][3] -= (int64_t)v;
            model[tr[i].seller][3] += (int64_t)v;
            for (int q = 0; q < 4; q++) /* ample: gross never goes negative either */
                ck_assert(model[tr[i].seller][q] >= 0 && model[tr[i].buyer][q] >= 0);
            gross += 2 * v;
            if (i % 37 == 0)
                tk_commit(t);
        }
        tk_commit(t);
        tk_report r;
        tk_report_get(t, run_cycle(&w), &r);
        ck_assert_uint_eq(r.obligations, 2 * (uint64_t)n);
        ck_assert_uint_eq(r.settled_count, 2 * (uint64_t)n);
        ck_assert_uint_eq(r.carried_count, 0);
        ck_assert_uint_eq(r.gross, gross);
        ck_assert_uint_eq(r.settled_value, gross);
        ck_assert_str_eq(r.method, "ALL");
        uint64_t net = 0;
        for (int i = 0; i < nb; i++) {
            for (int k = 0; k < 4; k++)
                ck_assert_msg(tk_bal(t, w.b[i], k < 3 ? g_isins[k] : CNY) == (uint64_t)model[i][k],
                              "round %d broker %d asset %d: %llu != gross %lld", round, i, k,
                              (unsigned long long)tk_bal(t, w.b[i], k < 3 ? g_isins[k] : CNY),
                              (long long)model[i][k]);
        }
        (void)net;
        ck_assert_uint_le(r.net, r.gross);
        tk_check_flat(t, w.ccp);
        tk_check_conserved(t);
        tk_free(t);
    }
}
END_TEST

/* The same trades, submitted and affirmed in two different interleavings, with scarce
 * liquidity (so the LSM has to choose): identical report figures and final balances. */
typedef struct outcome {
    tk_report r[2];
    uint64_t bal[16][4];
    uint64_t reasons[2][8];
} outcome;

static void play(outcome *o, const rtrade *tr, int n, int nb, const uint64_t (*funds)[4],
                 tl_rng *order)
{
    world w;
    world_init(&w, nb);
    tk *t = &w.t;
    for (int i = 0; i < nb; i++)
        for (int k = 0; k < 4; k++)
            if (funds[i][k])
                tk_give(t, w.b[i], k < 3 ? g_isins[k] : CNY, funds[i][k]);
    tk_commit(t);
    int *perm = malloc((size_t)n * sizeof *perm);
    uint64_t *ids = malloc((size_t)n * sizeof *ids);
    for (int i = 0; i < n; i++)
        perm[i] = i;
    for (int i = n - 1; i > 0; i--) {
        int j = (int)tl_rng_below(order, (uint64_t)i + 1), x = perm[i];
        perm[i] = perm[j], perm[j] = x;
    }
    /* Submit in one shuffled order (half by the buyer, half by the seller), affirm in
     * another, with block boundaries in between. */
    for (int i = 0; i < n; i++) {
        const rtrade *x = &tr[perm[i]];
        if (perm[i] % 2)
            ck_assert_int_eq(tk_submit(t, w.b[x->seller], x->isin, STL_SIDE_SELL, x->qty, x->price,
                                       CNY, w.b[x->buyer], &ids[perm[i]]),
                             LDG_R_OK);
        else
            ck_assert_int_eq(tk_submit(t, w.b[x->buyer], x->isin, STL_SIDE_BUY, x->qty, x->price,
                                       CNY, w.b[x->seller], &ids[perm[i]]),
                             LDG_R_OK);
        if (tl_rng_below(order, 5) == 0)
            tk_commit(t);
    }
    for (int i = n - 1; i > 0; i--) {
        int j = (int)tl_rng_below(order, (uint64_t)i + 1), x = perm[i];
        perm[i] = perm[j], perm[j] = x;
    }
    for (int i = 0; i < n; i++) {
        const rtrade *x = &tr[perm[i]];
        int affirmer = perm[i] % 2 ? x->buyer : x->seller;
        ck_assert_int_eq(tk_by_id(t, w.b[affirmer], STL_TX_TRADE_AFFIRM, ids[perm[i]]), LDG_R_OK);
        if (tl_rng_below(order, 5) == 0)
            tk_commit(t);
    }
    tk_commit(t);
    for (int c = 0; c < 2; c++) {
        tk_report_get(t, run_cycle(&w), &o->r[c]);
        for (size_t f = 0; f < o->r[c].nfail; f++)
            o->reasons[c][o->r[c].fail[f].reason]++;
        o->r[c].nfail = 0; /* ids differ between orders: compare the reason counts */
        memset(o->r[c].fail, 0, sizeof o->r[c].fail);
        /* Flat after a fully settled cycle; after a partial one the CCP may hold what a
         * seller delivered (paid with buyers' cash) for a buyer who failed to pay. */
        if (o->r[c].carried_count == 0)
            tk_check_flat(t, w.ccp);
        tk_check_conserved(t);
        /* top up everyone's cash a little between the two cycles */
        if (c == 0) {
            for (int i = 0; i < nb; i++)
                tk_give(t, w.b[i], CNY, 20000);
            tk_commit(t);
        }
    }
    for (int i = 0; i < nb; i++)
        for (int k = 0; k < 4; k++)
            o->bal[i][k] = tk_bal(t, w.b[i], k < 3 ? g_isins[k] : CNY);
    free(perm);
    free(ids);
    tk_free(t);
}

START_TEST(test_determinism_shuffled)
{
    tl_rng rng;
    tl_rng_init(&rng, g_seed ^ 0x2222);
    for (int round = 0; round < 3; round++) {
        int nb = 4 + (int)tl_rng_below(&rng, 6), n = 30 + (int)tl_rng_below(&rng, 60);
        rtrade tr[90];
        gen_trades(&rng, tr, n, nb);
        uint64_t funds[16][4];
        for (int i = 0; i < nb; i++)
            for (int k = 0; k < 4; k++)
                funds[i][k] = k < 3 ? tl_rng_below(&rng, 60) : tl_rng_below(&rng, 30000);
        outcome a, b;
        memset(&a, 0, sizeof a);
        memset(&b, 0, sizeof b);
        tl_rng o1, o2;
        tl_rng_init(&o1, tl_rng_next(&rng));
        tl_rng_init(&o2, tl_rng_next(&rng));
        play(&a, tr, n, nb, (const uint64_t(*)[4])funds, &o1);
        play(&b, tr, n, nb, (const uint64_t(*)[4])funds, &o2);
        for (int c = 0; c < 2; c++) {
            ck_assert_msg(
                !memcmp(&a.r[c], &b.r[c], sizeof a.r[c]),
                "round %d cycle %d: settled %llu/%llu value %llu vs %llu/%llu value "
                "%llu",
                round, c + 1, (unsigned long long)a.r[c].settled_count,
                (unsigned long long)a.r[c].obligations, (unsigned long long)a.r[c].settled_value,
                (unsigned long long)b.r[c].settled_count, (unsigned long long)b.r[c].obligations,
                (unsigned long long)b.r[c].settled_value);
            ck_assert(!memcmp(a.reasons[c], b.reasons[c], sizeof a.reasons[c]));
        }
        ck_assert(!memcmp(a.bal, b.bal, sizeof a.bal));
    }
}
END_TEST

/* ---- bilateral instructions ---- */

START_TEST(test_bilateral_immediate)
{
    world w;
    world_init(&w, 2);
    tk *t = &w.t;
    int a = w.b[0], b = w.b[1];
    tk_give(t, a, X, 10);
    tk_give(t, b, CNY, 500);
    tk_commit(t);
    ck_assert_int_eq(tk_instruct(t, a, true, X, 10, CNY, 500, b), LDG_R_OK);
    ck_assert_uint_eq(tk_bal(t, a, X), 10); /* nothing moves before the mirror */
    ck_assert_int_eq(tk_instruct(t, b, false, X, 10, CNY, 500, a), LDG_R_OK);
    ck_assert_uint_eq(tk_bal(t, b, X), 10);
    ck_assert_uint_eq(tk_bal(t, a, CNY), 500);
    ck_assert_uint_eq(tk_bal(t, b, CNY), 0);
    tk_commit(t);
    /* A mismatched mirror (other amount) does not match. */
    ck_assert_int_eq(tk_instruct(t, b, true, X, 5, CNY, 300, a), LDG_R_OK);
    ck_assert_int_eq(tk_instruct(t, a, false, X, 5, CNY, 299, b), LDG_R_OK);
    ck_assert_uint_eq(tk_bal(t, b, X), 10);
    tk_commit(t);
    ldg_err err;
    json_t *q = net_query_queue(t->st, &(net_page){.limit = LDG_QUERY_PAGE_MAX}, &err);
    ck_assert_uint_eq(json_array_size(json_object_get(q, "queue")), 0);
    json_decref(q);
    tk_check_conserved(t);
    tk_free(t);
}
END_TEST

START_TEST(test_bilateral_queue_gridlock)
{
    world w;
    world_init(&w, 3);
    tk *t = &w.t;
    int a = w.b[0], b = w.b[1], c = w.b[2];
    tk_give(t, a, X, 10);
    tk_give(t, b, Y, 10);
    tk_commit(t);
    /* a delivers X to b for 1000, b delivers Y to a for 1000: nobody holds cash. */
    ck_assert_int_eq(tk_instruct(t, a, true, X, 10, CNY, 1000, b), LDG_R_OK);
    ck_assert_int_eq(tk_instruct(t, b, false, X, 10, CNY, 1000, a), LDG_R_OK);
    ck_assert_int_eq(tk_instruct(t, b, true, Y, 10, CNY, 1000, a), LDG_R_OK);
    ck_assert_int_eq(tk_instruct(t, a, false, Y, 10, CNY, 1000, b), LDG_R_OK);
    /* c owes a payment it cannot make. */
    tk_give(t, a, Z, 3);
    ck_assert_int_eq(tk_instruct(t, a, true, Z, 3, CNY, 70, c), LDG_R_OK);
    ck_assert_int_eq(tk_instruct(t, c, false, Z, 3, CNY, 70, a), LDG_R_OK);
    tk_commit(t);
    ldg_err err;
    json_t *q = net_query_queue(t->st, &(net_page){.limit = LDG_QUERY_PAGE_MAX}, &err);
    ck_assert_uint_eq(json_array_size(json_object_get(q, "queue")), 3);
    json_decref(q);
    /* resolve: not by a broker */
    ck_assert_int_eq(tk_empty(t, a, STL_TX_SETTLE_RESOLVE), LDG_R_UNAUTHORIZED);
    tk_check_unchanged(t);
    ck_assert_int_eq(tk_empty(t, w.clear, STL_TX_SETTLE_RESOLVE), LDG_R_OK);
    ck_assert_str_eq(t->last.detail, "2 settled, 1 waiting");
    tk_commit(t);
    ck_assert_uint_eq(tk_bal(t, a, Y), 10);
    ck_assert_uint_eq(tk_bal(t, b, X), 10);
    ldg_account esc;
    escrow(&esc);
    ck_assert_uint_eq(tk_bal_acct(t, &esc, X), 0);
    ck_assert_uint_eq(tk_bal_acct(t, &esc, CNY), 0);
    tk_check_conserved(t);
    /* c is funded; the next cycle (no obligations) resolves the queue. */
    tk_give(t, c, CNY, 70);
    tk_commit(t);
    tk_report r;
    tk_report_get(t, run_cycle(&w), &r);
    ck_assert_uint_eq(r.obligations, 0);
    ck_assert_uint_eq(r.queue_settled, 1);
    ck_assert_uint_eq(r.queue_waiting, 0);
    ck_assert_uint_eq(tk_bal(t, c, Z), 3);
    ck_assert_uint_eq(tk_bal(t, a, CNY), 70);
    tk_check_conserved(t);
    tk_free(t);
}
END_TEST

/* ---- two currencies: every figure per currency ---- */

START_TEST(test_two_currencies)
{
    world w;
    world_init(&w, 3);
    tk *t = &w.t;
    int a = w.b[0], b = w.b[1], c = w.b[2];
    tk_asset_add(t, "USD", AST_KIND_CASH);
    tk_give(t, a, X, 10);
    tk_give(t, b, Y, 10);
    tk_give(t, b, CNY, 100000);
    tk_give(t, a, "USD", 50000);
    tk_commit(t);
    /* a sells 10 X to b at 12.37 CNY; b sells 10 Y to a at 7.25 USD; c sells X it lacks. */
    tk_trade(t, a, b, X, 10, 1237, CNY);
    tk_trade(t, b, a, Y, 10, 725, "USD");
    uint64_t tf = tk_trade(t, c, b, X, 1, 500, "USD");
    tk_commit(t);
    tk_report r;
    tk_report_get(t, run_cycle(&w), &r);
    ck_assert_uint_eq(r.ncur, 2);
    const tk_ccy *cny = tk_report_ccy(&r, CNY), *usd = tk_report_ccy(&r, "USD");
    ck_assert_ptr_nonnull(cny);
    ck_assert_ptr_nonnull(usd);
    /* Each trade counts on both sides of the CCP; nothing of one currency in the other. */
    ck_assert_uint_eq(cny->gross, 2 * 12370);
    ck_assert_uint_eq(cny->settled, 2 * 12370);
    ck_assert_uint_eq(cny->carried, 0);
    ck_assert_uint_eq(cny->net, 2 * 12370);
    ck_assert_uint_eq(usd->gross, 2 * 7250 + 2 * 500);
    ck_assert_uint_eq(usd->settled, 2 * 7250);
    ck_assert_uint_eq(usd->carried, 2 * 500);
    ck_assert_uint_eq(r.nfail, 2);
    ck_assert_uint_eq(r.fail[0].trade, tf);
    ck_assert_uint_eq(tk_bal(t, a, CNY), 12370);
    ck_assert_uint_eq(tk_bal(t, b, "USD"), 7250);
    ck_assert_uint_eq(tk_bal(t, b, CNY), 100000 - 12370);
    ck_assert_uint_eq(tk_bal(t, a, "USD"), 50000 - 7250);
    tk_check_flat(t, w.ccp);
    tk_check_conserved(t);
    /* The reply: rows per currency with money objects, per-participant rows per currency. */
    ldg_err err;
    json_t *j = net_query_cycle(t->st, 1, &err);
    ck_assert_ptr_nonnull(j);
    json_t *cur = json_object_get(j, "currencies");
    ck_assert_uint_eq(json_array_size(cur), 2);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(cur, 0), "currency")), CNY);
    json_t *g = json_object_get(json_array_get(cur, 1), "gross_value");
    ck_assert_str_eq(json_string_value(json_object_get(g, "currency")), "USD");
    ck_assert_str_eq(json_string_value(json_object_get(g, "decimal")), "155.00");
    ck_assert_ptr_null(json_object_get(j, "gross_value"));
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(j, "participants"), i, p)
    {
        const char *ccy = json_string_value(json_object_get(p, "currency"));
        ck_assert_str_eq(
            json_string_value(json_object_get(json_object_get(p, "gross"), "currency")), ccy);
    }
    json_decref(j);
    tk_free(t);
}
END_TEST

/* ---- closing a fail by cash compensation ---- */

static ldg_result close_fail(world *w, int who, uint64_t trade, uint64_t price)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 2);
    ldg_enc_u64(&e, trade);
    ldg_enc_u64(&e, price);
    ldg_result r = tk_tx(&w->t, who, STL_TX_FAIL_CLOSE, &e);
    ldg_enc_free(&e);
    return r;
}

static bool obligation_open(tk *t, uint64_t id)
{
    uint8_t key[9];
    stl_key_id(key, 'o', id);
    const uint8_t *v;
    size_t vl;
    bool found;
    ck_assert(ldg_state_get(t->st, key, sizeof key, &v, &vl, &found) == LDG_OK);
    return found;
}

START_TEST(test_close_fail_seller)
{
    world w;
    world_init(&w, 3);
    tk *t = &w.t;
    int s = w.b[0], b = w.b[1], other = w.b[2];
    tk_give(t, b, CNY, 100000);
    tk_give(t, s, CNY, 5000);
    tk_give(t, other, X, 1);
    tk_commit(t);
    uint64_t id = tk_trade(t, s, b, X, 50, 1000, CNY); /* 50 X at 10.00: s holds none */
    uint64_t ok = tk_trade(t, other, b, X, 1, 1000, CNY);
    tk_commit(t);
    ck_assert_int_eq(close_fail(&w, w.clear, id, 1040), STL_R_FAIL_TOO_RECENT);
    tk_check_unchanged(t);
    for (int c = 0; c < STL_FAIL_CLOSE_CYCLES - 1; c++)
        run_cycle(&w);
    ck_assert_int_eq(close_fail(&w, w.clear, id, 1040), STL_R_FAIL_TOO_RECENT);
    tk_check_unchanged(t);
    run_cycle(&w);
    ck_assert_int_eq(close_fail(&w, s, id, 1040), LDG_R_UNAUTHORIZED);
    tk_check_unchanged(t);
    ck_assert_int_eq(close_fail(&w, w.clear, ok, 1040), STL_R_NOT_CLOSABLE);
    tk_check_unchanged(t);
    ck_assert_int_eq(close_fail(&w, w.clear, 99, 1040), STL_R_UNKNOWN_TRADE);
    ck_assert_int_eq(close_fail(&w, w.clear, id, 0), STL_R_ZERO_PRICE);
    ck_assert_int_eq(close_fail(&w, w.clear, id, STL_AMOUNT_MAX), STL_R_VALUE_OVERFLOW);
    tk_check_unchanged(t);
    uint64_t b_cny = tk_bal(t, b, CNY), b_x = tk_bal(t, b, X);
    ck_assert_int_eq(close_fail(&w, w.clear, id, 1040), LDG_R_OK);
    ck_assert_uint_eq(tk_receipt_id(t), id);
    tk_commit(t);
    /* The seller failed: it pays the buyer 50 x (10.40 - 10.00) = 20.00 CNY; no X moves. */
    ck_assert_uint_eq(tk_bal(t, s, CNY), 5000 - 2000);
    ck_assert_uint_eq(tk_bal(t, b, CNY), b_cny + 2000);
    ck_assert_uint_eq(tk_bal(t, b, X), b_x);
    ck_assert_uint_eq(tk_bal(t, s, X), 0);
    ck_assert(!obligation_open(t, 2 * id) && !obligation_open(t, 2 * id + 1));
    ck_assert_str_eq(trade_status(&w, id), "closed");
    stl_closeout z;
    bool found;
    ck_assert(stl_closeout_get(t->st, id, &z, &found) == LDG_OK && found);
    ck_assert_uint_eq(z.failing, STL_SIDE_SELL);
    ck_assert_uint_eq(z.compensation, 2000);
    ck_assert(!memcmp(z.payer.b, t->party[s].acct.b, LDG_ACCOUNT_LEN));
    ck_assert(!memcmp(z.payee.b, t->party[b].acct.b, LDG_ACCOUNT_LEN));
    tk_check_flat(t, w.ccp);
    tk_check_conserved(t);
    ck_assert_int_eq(close_fail(&w, w.clear, id, 1040), STL_R_NOT_CLOSABLE);
    tk_check_unchanged(t);
    /* The next cycle has nothing left of it. */
    tk_report r;
    tk_report_get(t, run_cycle(&w), &r);
    ck_assert_uint_eq(r.obligations, 0);
    tk_free(t);
}
END_TEST

/* A buyer that never pays: it pays the seller's loss when the reference price is below the
 * trade price, nothing when above; a trade whose parties both hold what they owe is not
 * failing; a failing payer short of the compensation changes nothing. */
START_TEST(test_close_fail_buyer)
{
    world w;
    world_init(&w, 4);
    tk *t = &w.t;
    int s = w.b[0], b = w.b[1], s2 = w.b[2], b2 = w.b[3];
    tk_give(t, s, X, 100);
    tk_give(t, b, CNY, 300);
    tk_give(t, s2, Y, 10);
    tk_commit(t);
    uint64_t id = tk_trade(t, s, b, X, 100, 1000, CNY);  /* 1,000.00 CNY: b holds 3.00 */
    uint64_t id2 = tk_trade(t, s2, b2, Y, 10, 500, CNY); /* b2 holds nothing */
    tk_commit(t);
    for (int c = 0; c < STL_FAIL_CLOSE_CYCLES; c++)
        run_cycle(&w);
    /* at 9.99: the seller sells elsewhere for 100 x 0.01 = 1.00 less */
    ck_assert_int_eq(close_fail(&w, w.clear, id, 999), LDG_R_OK);
    tk_commit(t);
    ck_assert_uint_eq(tk_bal(t, b, CNY), 200);
    ck_assert_uint_eq(tk_bal(t, s, CNY), 100);
    ck_assert_uint_eq(tk_bal(t, s, X), 100);
    ck_assert_str_eq(trade_status(&w, id), "closed");
    tk_check_flat(t, w.ccp);
    tk_check_conserved(t);
    /* At 4.90 b2 owes 10 x 0.10 = 1.00 CNY but holds nothing: refused, nothing changes. */
    ldg_result r = close_fail(&w, w.clear, id2, 490);
    ck_assert_int_ne(r, LDG_R_OK);
    tk_check_unchanged(t);
    ck_assert_str_eq(trade_status(&w, id2), "novated");
    /* Funded now: not failing any more, the next cycle settles it. */
    tk_give(t, b2, CNY, 5000);
    tk_commit(t);
    ck_assert_int_eq(close_fail(&w, w.clear, id2, 490), STL_R_NOT_FAILING);
    tk_check_unchanged(t);
    tk_report rep;
    tk_report_get(t, run_cycle(&w), &rep);
    ck_assert_uint_eq(rep.settled_count, 2);
    tk_check_conserved(t);
    tk_free(t);
}
END_TEST

/* The fail-close period is the chain's: clearing staff set it within bounds. */
START_TEST(test_close_after)
{
    world w;
    world_init(&w, 2);
    tk *t = &w.t;
    int s = w.b[0], b = w.b[1];
    tk_give(t, b, CNY, 100000);
    tk_give(t, s, CNY, 1000);
    tk_commit(t);
    uint64_t id = tk_trade(t, s, b, X, 5, 1000, CNY);
    tk_commit(t);
    run_cycle(&w);
    ck_assert_int_eq(close_fail(&w, w.clear, id, 1100), STL_R_FAIL_TOO_RECENT);
    ck_assert_str_eq(t->last.detail, "trade 1 has been carried through 1 cycles; it can be "
                                     "closed after 3");
    /* Hostile payloads: the wrong shape is BAD_PAYLOAD and changes nothing. */
    ck_assert_int_eq(tk_empty(t, w.clear, STL_TX_FAIL_CLOSE_AFTER), LDG_R_BAD_PAYLOAD);
    ck_assert_int_eq(tk_empty(t, w.clear, STL_TX_FAIL_CLOSE), LDG_R_BAD_PAYLOAD);
    ck_assert_int_eq(tk_by_id(t, w.clear, STL_TX_FAIL_CLOSE, id), LDG_R_BAD_PAYLOAD);
    ck_assert_int_eq(tk_empty(t, s, STL_TX_SETTLE_CANCEL), LDG_R_BAD_PAYLOAD);
    tk_check_unchanged(t);
    ck_assert_int_eq(tk_by_id(t, s, STL_TX_FAIL_CLOSE_AFTER, 1), LDG_R_UNAUTHORIZED);
    ck_assert_int_eq(tk_by_id(t, w.clear, STL_TX_FAIL_CLOSE_AFTER, 0), STL_R_BAD_CLOSE_AFTER);
    ck_assert_int_eq(tk_by_id(t, w.clear, STL_TX_FAIL_CLOSE_AFTER, STL_FAIL_CLOSE_CYCLES_MAX + 1),
                     STL_R_BAD_CLOSE_AFTER);
    tk_check_unchanged(t);
    ck_assert_int_eq(tk_by_id(t, w.clear, STL_TX_FAIL_CLOSE_AFTER, 1), LDG_R_OK);
    ck_assert_str_eq(t->last.detail, "a fail may be closed after 1 cycles (was 3)");
    tk_commit(t);
    uint64_t k = 0;
    ck_assert(stl_fail_close_cycles(t->st, &k) == LDG_OK);
    ck_assert_uint_eq(k, 1);
    /* A fail already carried once may now be closed: 5 x 1.00 = 5.00 CNY to the buyer. */
    ck_assert_int_eq(close_fail(&w, w.clear, id, 1100), LDG_R_OK);
    tk_commit(t);
    ck_assert_uint_eq(tk_bal(t, s, CNY), 500);
    ck_assert_uint_eq(tk_bal(t, b, CNY), 100500);
    tk_check_conserved(t);
    tk_free(t);
}
END_TEST

/* ---- instruction statuses and cancelling ---- */

static const char *instr_status(tk *t, uint64_t id, const char **sender)
{
    static char out[32], name[32];
    ldg_err err;
    json_t *j = net_query_instructions(t->st, "", &(net_page){.limit = LDG_QUERY_PAGE_MAX}, &err);
    ck_assert_ptr_nonnull(j);
    out[0] = name[0] = '\0';
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(j, "instructions"), i, r)
    {
        if ((uint64_t)json_integer_value(json_object_get(r, "id")) != id)
            continue;
        snprintf(out, sizeof out, "%s", json_string_value(json_object_get(r, "status")));
        snprintf(name, sizeof name, "%s",
                 json_string_value(json_object_get(json_object_get(r, "sender"), "name")));
    }
    json_decref(j);
    if (sender)
        *sender = name;
    return out;
}

START_TEST(test_instruction_status_after_settling)
{
    world w;
    world_init(&w, 2);
    tk *t = &w.t;
    int a = w.b[0], b = w.b[1];
    tk_give(t, a, X, 10);
    tk_give(t, b, CNY, 500);
    tk_commit(t);
    ck_assert_int_eq(tk_instruct(t, a, true, X, 10, CNY, 500, b), LDG_R_OK);
    ck_assert_int_eq(tk_instruct(t, b, false, X, 10, CNY, 500, a), LDG_R_OK);
    tk_commit(t);
    /* Both sides of the settled pair say settled, each with its own sender. */
    const char *who;
    ck_assert_str_eq(instr_status(t, 1, &who), "settled");
    ck_assert_str_eq(who, "broker-0");
    ck_assert_str_eq(instr_status(t, 2, &who), "settled");
    ck_assert_str_eq(who, "broker-1");
    ck_assert_int_eq(tk_by_id(t, a, STL_TX_SETTLE_CANCEL, 1), STL_R_INSTRUCTION_FINAL);
    tk_free(t);
}
END_TEST

START_TEST(test_settle_cancel)
{
    world w;
    world_init(&w, 3);
    tk *t = &w.t;
    int a = w.b[0], b = w.b[1], c = w.b[2];
    tk_give(t, a, X, 10);
    tk_commit(t);
    /* Unmatched: only the sender cancels; a cancelled one no longer matches. */
    ck_assert_int_eq(tk_instruct(t, a, true, X, 5, CNY, 100, b), LDG_R_OK); /* 1 */
    tk_commit(t);
    ck_assert_int_eq(tk_by_id(t, b, STL_TX_SETTLE_CANCEL, 1), STL_R_NOT_INSTRUCTION_PARTY);
    tk_check_unchanged(t);
    ck_assert_int_eq(tk_by_id(t, a, STL_TX_SETTLE_CANCEL, 1), LDG_R_OK);
    tk_commit(t);
    ck_assert_str_eq(instr_status(t, 1, NULL), "cancelled");
    ck_assert_int_eq(tk_by_id(t, a, STL_TX_SETTLE_CANCEL, 1), STL_R_INSTRUCTION_FINAL);
    ck_assert_int_eq(tk_by_id(t, a, STL_TX_SETTLE_CANCEL, 77), STL_R_UNKNOWN_INSTRUCTION);
    ck_assert_int_eq(tk_instruct(t, b, false, X, 5, CNY, 100, a), LDG_R_OK); /* 2 */
    tk_commit(t);
    ck_assert_str_eq(instr_status(t, 2, NULL), "unmatched");
    /* Queued (b has no cash): both parties must ask; others may not. */
    ck_assert_int_eq(tk_instruct(t, a, true, X, 5, CNY, 100, b), LDG_R_OK); /* 3: matches 2 */
    tk_commit(t);
    ck_assert_str_eq(instr_status(t, 3, NULL), "queued");
    ck_assert_str_eq(instr_status(t, 2, NULL), "queued");
    ck_assert_int_eq(tk_by_id(t, c, STL_TX_SETTLE_CANCEL, 3), STL_R_NOT_INSTRUCTION_PARTY);
    ck_assert_int_eq(tk_by_id(t, b, STL_TX_SETTLE_CANCEL, 2), LDG_R_OK);
    tk_commit(t);
    ck_assert_int_eq(tk_by_id(t, b, STL_TX_SETTLE_CANCEL, 3), STL_R_CANCEL_REQUESTED);
    tk_check_unchanged(t);
    ck_assert_str_eq(instr_status(t, 2, NULL), "queued");
    ck_assert_int_eq(tk_by_id(t, a, STL_TX_SETTLE_CANCEL, 3), LDG_R_OK);
    tk_commit(t);
    ck_assert_str_eq(instr_status(t, 2, NULL), "cancelled");
    ck_assert_str_eq(instr_status(t, 3, NULL), "cancelled");
    ldg_err err;
    json_t *q = net_query_queue(t->st, &(net_page){.limit = LDG_QUERY_PAGE_MAX}, &err);
    ck_assert_uint_eq(json_array_size(json_object_get(q, "queue")), 0);
    json_decref(q);
    /* The list's filter: a known status, else INVALID. */
    q = net_query_instructions(t->st, "matched", &(net_page){.limit = LDG_QUERY_PAGE_MAX}, &err);
    ck_assert_uint_eq(json_array_size(json_object_get(q, "instructions")), 0);
    json_decref(q);
    q = net_query_instructions(t->st, "pending", &(net_page){.limit = LDG_QUERY_PAGE_MAX}, &err);
    ck_assert_ptr_null(q);
    ck_assert_int_eq(err, LDG_ERR_INVALID);
    /* Funded later: nothing settles, nothing moved. */
    tk_give(t, b, CNY, 100);
    tk_commit(t);
    tk_report r;
    tk_report_get(t, run_cycle(&w), &r);
    ck_assert_uint_eq(r.queue_settled, 0);
    ck_assert_uint_eq(tk_bal(t, a, X), 10);
    ck_assert_uint_eq(tk_bal(t, b, CNY), 100);
    tk_check_conserved(t);
    tk_free(t);
}
END_TEST

START_TEST(test_cycle_unauthorized_and_empty)
{
    world w;
    world_init(&w, 2);
    tk *t = &w.t;
    ck_assert_int_eq(tk_empty(t, w.b[0], STL_TX_CYCLE_RUN), LDG_R_UNAUTHORIZED);
    tk_check_unchanged(t);
    ck_assert_int_eq(tk_empty(t, w.ccp, STL_TX_CYCLE_RUN), LDG_R_UNAUTHORIZED);
    tk_check_unchanged(t);
    tk_report r;
    tk_report_get(t, run_cycle(&w), &r);
    ck_assert_uint_eq(r.obligations, 0);
    ck_assert_uint_eq(r.gross, 0);
    ck_assert_str_eq(r.method, "NONE");
    ck_assert_uint_eq(run_cycle(&w), 2);
    tk_free(t);
}
END_TEST

int main(void)
{
    g_seed = tl_seed("settlement/test_cycle", 0x5e771e);
    Suite *s = suite_create("settlement/cycle");
    TCase *tc = tcase_create("cycle");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_gridlock);
    tcase_add_test(tc, test_seller_short_carried);
    tcase_add_test(tc, test_buyer_short);
    tcase_add_test(tc, test_net_equals_gross);
    tcase_add_test(tc, test_determinism_shuffled);
    tcase_add_test(tc, test_bilateral_immediate);
    tcase_add_test(tc, test_bilateral_queue_gridlock);
    tcase_add_test(tc, test_cycle_unauthorized_and_empty);
    tcase_add_test(tc, test_two_currencies);
    tcase_add_test(tc, test_close_fail_seller);
    tcase_add_test(tc, test_close_fail_buyer);
    tcase_add_test(tc, test_close_after);
    tcase_add_test(tc, test_instruction_status_after_settling);
    tcase_add_test(tc, test_settle_cancel);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
