/* Netting cycles, DvP settlement through the liquidity-saving mechanism, and bilateral
 * settlement instructions with their queue. Everything here is one transaction's work:
 * deterministic (sorted state scans, integer arithmetic, the LSM's index tie-breaks) and
 * bounded (STL_CYCLE_OBLIGATIONS_MAX, STL_QUEUE_MAX, the LSM's work budget). */
#include "ast_asset.h"
#include "stl_ledger.h"
#include "stl_lsm.h"
#include "stl_netting.h"

#include <stdlib.h>
#include <string.h>

/* ---- growable arrays (freed before the handler returns) ---- */

#define GROW(arr, count, cap)                                                                      \
    do {                                                                                           \
        if ((count) == (cap)) {                                                                    \
            (cap) = (cap) ? (cap)*2 : 256;                                                         \
            (arr) = realloc((arr), (cap) * sizeof *(arr));                                         \
            LDG_ASSERT(arr);                                                                       \
        }                                                                                          \
    } while (0)

/* A settlement item: an obligation (cycle) or a matched instruction (queue). */
typedef struct item {
    uint64_t id, trade_id;
    ldg_account from, to; /* from delivers securities, to pays cash */
    char isin[13], currency[13];
    uint64_t qty, cash;
    uint64_t created_cycle, age;
    uint32_t cf, ct, sf, st; /* book indices: (from, currency), (to, currency), (from, isin),
                                (to, isin); set by book_build */
} item;

/* (participant, asset) pairs: the LSM's accounts. */
typedef struct pair {
    ldg_account who;
    char asset[13];
} pair;

static int pair_cmp(const void *x, const void *y)
{
    const pair *a = x, *b = y;
    int c = memcmp(a->who.b, b->who.b, LDG_ACCOUNT_LEN);
    return c ? c : strcmp(a->asset, b->asset);
}

static uint32_t pair_index(const pair *pairs, size_t n, const ldg_account *who, const char *asset)
{
    pair key = {.who = *who};
    memcpy(key.asset, asset, sizeof key.asset);
    const pair *p = bsearch(&key, pairs, n, sizeof *pairs, pair_cmp);
    LDG_ASSERT(p);
    return (uint32_t)(p - pairs);
}

typedef struct book {
    pair *pairs;
    size_t npairs;
    uint64_t *balances;
} book;

static void book_free(book *b)
{
    free(b->pairs);
    free(b->balances);
    memset(b, 0, sizeof *b);
}

/* Collects the distinct (participant, asset) pairs of the items, reads their balances and
 * stores each item's four pair indices in it. */
static ldg_result book_build(ldg_state *st, item *items, size_t n, book *b)
{
    size_t cap = 4 * n + 1, k = 0;
    b->pairs = malloc(cap * sizeof *b->pairs);
    LDG_ASSERT(b->pairs);
    for (size_t i = 0; i < n; i++) {
        const ldg_account *w[4] = {&items[i].from, &items[i].to, &items[i].from, &items[i].to};
        const char *a[4] = {items[i].isin, items[i].isin, items[i].currency, items[i].currency};
        for (int j = 0; j < 4; j++) {
            b->pairs[k].who = *w[j];
            memcpy(b->pairs[k].asset, a[j], sizeof b->pairs[k].asset); /* NUL-padded */
            k++;
        }
    }
    if (k > 1)
        qsort(b->pairs, k, sizeof *b->pairs, pair_cmp);
    size_t u = 0;
    for (size_t i = 0; i < k; i++)
        if (u == 0 || pair_cmp(&b->pairs[u - 1], &b->pairs[i]) != 0)
            b->pairs[u++] = b->pairs[i];
    b->npairs = u;
    b->balances = malloc((u ? u : 1) * sizeof *b->balances);
    LDG_ASSERT(b->balances);
    for (size_t i = 0; i < n; i++) {
        items[i].cf = pair_index(b->pairs, u, &items[i].from, items[i].currency);
        items[i].ct = pair_index(b->pairs, u, &items[i].to, items[i].currency);
        items[i].sf = pair_index(b->pairs, u, &items[i].from, items[i].isin);
        items[i].st = pair_index(b->pairs, u, &items[i].to, items[i].isin);
    }
    for (size_t i = 0; i < u; i++) {
        if (ast_balance_get(st, b->pairs[i].asset, &b->pairs[i].who, &b->balances[i]) != LDG_OK)
            return LDG_R_STORE_FAILED;
        if (b->balances[i] > STL_AMOUNT_MAX)
            return LDG_R_OVERFLOW;
    }
    return LDG_R_OK;
}

/* Runs the LSM over items (sorted by id); settled[i] set for the chosen ones. */
static ldg_result choose(const item *items, size_t n, const book *b, uint8_t *settled,
                         uint64_t *value, const char **method)
{
    stl_lsm_instr *instrs = malloc((n ? n : 1) * sizeof *instrs);
    stl_lsm_leg *legs = malloc((2 * n + 1) * sizeof *legs);
    uint64_t *final = malloc((b->npairs ? b->npairs : 1) * sizeof *final);
    LDG_ASSERT(instrs && legs && final);
    for (size_t i = 0; i < n; i++) {
        /* The cash leg first: an instruction's value is its cash. */
        legs[2 * i] = (stl_lsm_leg){items[i].ct, items[i].cf, items[i].cash};
        legs[2 * i + 1] = (stl_lsm_leg){items[i].sf, items[i].st, items[i].qty};
        instrs[i] = (stl_lsm_instr){items[i].id, (uint32_t)(2 * i), 2};
    }
    stl_lsm_problem p = {.balances = b->balances,
                         .account_count = (uint32_t)b->npairs,
                         .instrs = instrs,
                         .instr_count = (uint32_t)n,
                         .legs = legs,
                         .leg_count = (uint32_t)(2 * n)};
    size_t ws_bytes = stl_lsm_workspace_bytes(p.account_count, p.instr_count, p.leg_count);
    void *ws = aligned_alloc(16, (ws_bytes + 15) & ~(size_t)15);
    LDG_ASSERT(ws);
    stl_lsm_result res = {.settled = settled, .final_balances = final};
    stl_lsm_rc rc = n ? stl_lsm_solve(&res, ws, ws_bytes, &p) : STL_LSM_OK;
    free(ws);
    free(instrs);
    free(legs);
    free(final);
    if (rc != STL_LSM_OK)
        return rc == STL_LSM_TOO_MANY ? STL_R_CYCLE_TOO_LARGE : LDG_R_OVERFLOW;
    *value = n ? res.settled_value : 0;
    *method = n ? stl_lsm_method_name(res.method) : "NONE";
    return LDG_R_OK;
}

/* Applies the chosen items at their net, through a hub account: every debit goes into the
 * hub first, then every credit comes out of it, so no account passes through a negative
 * balance and the hub ends where it started. For CCP cycles the hub is the CCP (party to
 * every obligation); for bilateral instructions it is the settlement escrow account. Every
 * movement goes through ast_move, so instrument rules and controls apply. */
static ldg_result settle_net(ldg_txctx *c, const item *items, size_t n, const uint8_t *settled,
                             const book *b, const ldg_account *hub)
{
    int64_t *delta = calloc(b->npairs ? b->npairs : 1, sizeof *delta);
    LDG_ASSERT(delta);
    for (size_t i = 0; i < n; i++) {
        if (!settled[i])
            continue;
        uint32_t cf = items[i].cf, ct = items[i].ct, sf = items[i].sf, st = items[i].st;
        /* Amounts are <= 2^62 and counts <= 2^18, but sums are checked anyway. */
        if (__builtin_add_overflow(delta[cf], (int64_t)items[i].cash, &delta[cf]) ||
            __builtin_sub_overflow(delta[ct], (int64_t)items[i].cash, &delta[ct]) ||
            __builtin_sub_overflow(delta[sf], (int64_t)items[i].qty, &delta[sf]) ||
            __builtin_add_overflow(delta[st], (int64_t)items[i].qty, &delta[st])) {
            free(delta);
            return LDG_R_OVERFLOW;
        }
    }
    ldg_result r = LDG_R_OK;
    for (int pass = 0; pass < 2 && r == LDG_R_OK; pass++) {
        for (size_t i = 0; i < b->npairs && r == LDG_R_OK; i++) {
            const pair *p = &b->pairs[i];
            if (!memcmp(p->who.b, hub->b, LDG_ACCOUNT_LEN) || delta[i] == 0)
                continue;
            if (pass == 0 && delta[i] < 0)
                r = ast_move(c, p->asset, &p->who, hub, (uint64_t)-delta[i]);
            else if (pass == 1 && delta[i] > 0)
                r = ast_move(c, p->asset, hub, &p->who, (uint64_t)delta[i]);
        }
    }
    free(delta);
    if (r != LDG_R_OK && r != LDG_R_OVERFLOW) {
        char prev[LDG_TEXT_LEN_MAX + 1];
        snprintf(prev, sizeof prev, "%s", c->detail);
        ldg_txctx_detail(c, "a settlement leg was refused: %s%s%s", ldg_result_name(r),
                         *prev ? ": " : "", prev);
        return STL_R_SETTLEMENT_BLOCKED;
    }
    return r;
}

/* Every pair's net position if all items settled (+ receives, - delivers or pays). */
static ldg_result book_net(const item *items, size_t n, const book *b, int64_t *net)
{
    memset(net, 0, (b->npairs ? b->npairs : 1) * sizeof *net);
    for (size_t i = 0; i < n; i++) {
        const item *it = &items[i];
        if (__builtin_add_overflow(net[it->cf], (int64_t)it->cash, &net[it->cf]) ||
            __builtin_sub_overflow(net[it->ct], (int64_t)it->cash, &net[it->ct]) ||
            __builtin_sub_overflow(net[it->sf], (int64_t)it->qty, &net[it->sf]) ||
            __builtin_add_overflow(net[it->st], (int64_t)it->qty, &net[it->st]))
            return LDG_R_OVERFLOW;
    }
    return LDG_R_OK;
}

/* A pair is short when its balance cannot cover its net position over the whole run. */
static bool pair_short(const book *b, const int64_t *net, uint32_t i)
{
    return net[i] < 0 && b->balances[i] < (uint64_t)-net[i];
}

/* Why an item did not settle. The deliverer is short when it cannot cover its net delivery
 * of the instrument over the run, the payer when it cannot cover its net payment; an item
 * whose own parties are covered failed because of others: for the CCP's legs, because the
 * matching delivery (payment) to the CCP failed; otherwise because the LSM could not fit it
 * into a set with no negative balance. */
static uint8_t fail_reason(const item *it, const book *b, const int64_t *net,
                           const ldg_account *hub)
{
    bool from_hub = hub && !memcmp(it->from.b, hub->b, LDG_ACCOUNT_LEN);
    bool to_hub = hub && !memcmp(it->to.b, hub->b, LDG_ACCOUNT_LEN);
    bool s = !from_hub && (pair_short(b, net, it->sf) || b->balances[it->sf] < it->qty);
    bool m = !to_hub && (pair_short(b, net, it->ct) || b->balances[it->ct] < it->cash);
    if (s || m)
        return s && m ? STL_FAIL_BOTH : s ? STL_FAIL_SECURITIES : STL_FAIL_CASH;
    if (from_hub)
        return STL_FAIL_CCP_SECURITIES;
    if (to_hub)
        return STL_FAIL_CCP_CASH;
    return STL_FAIL_LIQUIDITY;
}

/* The order the LSM sees: oldest first (ties go to the lower index, so carried items are
 * preferred), then by content, then by id. Content first makes the chosen set and the
 * balances independent of the order in which the same trades were submitted: two items
 * that differ only in id are interchangeable. */
static int item_canon_cmp(const void *x, const void *y)
{
    const item *a = x, *b = y;
    if (a->age != b->age)
        return a->age > b->age ? -1 : 1;
    int c = memcmp(a->from.b, b->from.b, LDG_ACCOUNT_LEN);
    if (!c)
        c = memcmp(a->to.b, b->to.b, LDG_ACCOUNT_LEN);
    if (!c)
        c = strcmp(a->isin, b->isin);
    if (!c)
        c = strcmp(a->currency, b->currency);
    if (c)
        return c;
    if (a->qty != b->qty)
        return a->qty < b->qty ? -1 : 1;
    if (a->cash != b->cash)
        return a->cash < b->cash ? -1 : 1;
    return a->id < b->id ? -1 : a->id > b->id;
}

/* ---- the CCP cycle ---- */

typedef struct collect {
    item *items;
    size_t n, cap, limit;
    bool too_many, bad;
    char prefix;
} collect;

static bool collect_obligation(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    collect *s = arg;
    if (s->n >= s->limit) {
        s->too_many = true;
        return false;
    }
    stl_obligation_rec o;
    if (stl_obligation_decode(k, kl, v, vl, &o) != LDG_OK) {
        s->bad = true;
        return false;
    }
    GROW(s->items, s->n, s->cap);
    item *it = &s->items[s->n++];
    memset(it, 0, sizeof *it);
    it->id = o.id, it->trade_id = o.trade_id, it->from = o.from, it->to = o.to;
    memcpy(it->isin, o.isin, sizeof it->isin);
    memcpy(it->currency, o.currency, sizeof it->currency);
    it->qty = o.quantity, it->cash = o.cash, it->created_cycle = o.created_cycle, it->age = o.age;
    return true;
}

static void put_obligation_item(ldg_state *st, const item *it)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 9);
    ldg_enc_u64(&e, it->trade_id);
    ldg_enc_bin(&e, it->from.b, LDG_ACCOUNT_LEN);
    ldg_enc_bin(&e, it->to.b, LDG_ACCOUNT_LEN);
    ldg_enc_str(&e, it->isin);
    ldg_enc_u64(&e, it->qty);
    ldg_enc_str(&e, it->currency);
    ldg_enc_u64(&e, it->cash);
    ldg_enc_u64(&e, it->created_cycle);
    ldg_enc_u64(&e, it->age);
    uint8_t key[9];
    stl_key_id(key, 'o', it->id);
    ldg_state_put(st, key, sizeof key, ldg_enc_data(&e), ldg_enc_len(&e));
    ldg_enc_free(&e);
}

/* One currency's figures in a cycle: money of different currencies is never added. */
typedef struct ccy_figures {
    char code[13];
    uint64_t gross, net, settled, carried;
} ccy_figures;

static int ccy_cmp(const void *x, const void *y)
{
    return strcmp(((const ccy_figures *)x)->code, ((const ccy_figures *)y)->code);
}

static int item_id_cmp(const void *x, const void *y)
{
    const item *a = *(const item *const *)x, *b = *(const item *const *)y;
    return a->id < b->id ? -1 : a->id > b->id;
}

/* Cash instruments are identified by their ISO 4217 code (3 characters) and securities by
 * their ISIN (12), so an asset id tells which it is. */
static bool is_currency(const char *asset)
{
    return strlen(asset) == 3;
}

static uint64_t abs64(int64_t v)
{
    return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

static bool is_hub(const ldg_account *a, const ldg_account *hub)
{
    return !memcmp(a->b, hub->b, LDG_ACCOUNT_LEN);
}

/* The distinct currencies of the items, sorted by code, with their figures. */
static size_t currency_figures(const item *items, size_t n, const uint8_t *settled, const book *b,
                               const int64_t *net, const ldg_account *ccp, ccy_figures *cf,
                               bool *overflow)
{
    size_t nc = 0;
    for (size_t i = 0; i < n; i++) {
        memset(&cf[nc], 0, sizeof cf[nc]);
        memcpy(cf[nc++].code, items[i].currency, sizeof cf->code);
    }
    if (nc > 1)
        qsort(cf, nc, sizeof *cf, ccy_cmp);
    size_t u = 0;
    for (size_t i = 0; i < nc; i++)
        if (u == 0 || ccy_cmp(&cf[u - 1], &cf[i]) != 0)
            cf[u++] = cf[i];
    for (size_t i = 0; i < n; i++) {
        ccy_figures key, *f;
        memcpy(key.code, items[i].currency, sizeof key.code);
        f = bsearch(&key, cf, u, sizeof *cf, ccy_cmp);
        LDG_ASSERT(f);
        *overflow |= __builtin_add_overflow(f->gross, items[i].cash, &f->gross);
        uint64_t *to = settled[i] ? &f->settled : &f->carried;
        *overflow |= __builtin_add_overflow(*to, items[i].cash, to);
    }
    for (size_t i = 0; i < b->npairs; i++) {
        if (!net[i] || !is_currency(b->pairs[i].asset) || is_hub(&b->pairs[i].who, ccp))
            continue;
        ccy_figures key, *f;
        memcpy(key.code, b->pairs[i].asset, sizeof key.code);
        f = bsearch(&key, cf, u, sizeof *cf, ccy_cmp);
        if (f)
            *overflow |= __builtin_add_overflow(f->net, abs64(net[i]), &f->net);
    }
    return u;
}

static void encode_currencies(ldg_enc *e, const ccy_figures *cf, size_t nc)
{
    ldg_enc_array(e, (uint32_t)nc);
    for (size_t i = 0; i < nc; i++) {
        ldg_enc_array(e, 5);
        ldg_enc_str(e, cf[i].code);
        ldg_enc_u64(e, cf[i].gross);
        ldg_enc_u64(e, cf[i].net);
        ldg_enc_u64(e, cf[i].settled);
        ldg_enc_u64(e, cf[i].carried);
    }
}

static void encode_positions(ldg_enc *e, const book *b, const int64_t *net)
{
    size_t positions = 0;
    for (size_t i = 0; i < b->npairs; i++)
        positions += net[i] != 0;
    size_t cap = positions < STL_CYCLE_REPORT_ROWS_MAX ? positions : STL_CYCLE_REPORT_ROWS_MAX;
    ldg_enc_array(e, (uint32_t)cap);
    for (size_t i = 0, w = 0; i < b->npairs && w < cap; i++) {
        if (!net[i])
            continue;
        ldg_enc_array(e, 3);
        ldg_enc_bin(e, b->pairs[i].who.b, LDG_ACCOUNT_LEN);
        ldg_enc_str(e, b->pairs[i].asset);
        ldg_enc_i64(e, net[i]);
        w++;
    }
}

static void encode_failures(ldg_enc *e, const item *items, size_t n, const uint8_t *settled,
                            const book *b, const int64_t *net, const ldg_account *ccp)
{
    const item **fails = malloc((n ? n : 1) * sizeof *fails);
    LDG_ASSERT(fails);
    size_t nf = 0;
    for (size_t i = 0; i < n; i++)
        if (!settled[i])
            fails[nf++] = &items[i];
    if (nf > 1)
        qsort(fails, nf, sizeof *fails, item_id_cmp);
    size_t cap = nf < STL_CYCLE_REPORT_ROWS_MAX ? nf : STL_CYCLE_REPORT_ROWS_MAX;
    ldg_enc_array(e, (uint32_t)cap);
    for (size_t i = 0; i < cap; i++) {
        const item *it = fails[i];
        ldg_enc_array(e, 10);
        ldg_enc_u64(e, it->id);
        ldg_enc_u64(e, it->trade_id);
        ldg_enc_u64(e, fail_reason(it, b, net, ccp));
        ldg_enc_u64(e, it->age);
        ldg_enc_bin(e, it->from.b, LDG_ACCOUNT_LEN);
        ldg_enc_bin(e, it->to.b, LDG_ACCOUNT_LEN);
        ldg_enc_str(e, it->isin);
        ldg_enc_u64(e, it->qty);
        ldg_enc_str(e, it->currency);
        ldg_enc_u64(e, it->cash);
    }
    free(fails);
}

/* Per (participant other than the CCP, currency): the cash of the obligations it is party
 * to (gross) and |its net cash position| (net). Rows in (account, currency) order. */
static bool encode_parties(ldg_enc *e, const item *items, size_t n, const book *b,
                           const int64_t *net, const ldg_account *ccp)
{
    uint64_t *gross = calloc(b->npairs ? b->npairs : 1, sizeof *gross);
    LDG_ASSERT(gross);
    bool overflow = false;
    for (size_t i = 0; i < n; i++) {
        if (!is_hub(&items[i].from, ccp))
            overflow |=
                __builtin_add_overflow(gross[items[i].cf], items[i].cash, &gross[items[i].cf]);
        if (!is_hub(&items[i].to, ccp))
            overflow |=
                __builtin_add_overflow(gross[items[i].ct], items[i].cash, &gross[items[i].ct]);
    }
    size_t rows = 0;
    for (size_t i = 0; i < b->npairs; i++)
        rows += gross[i] != 0;
    size_t cap = rows < STL_CYCLE_REPORT_ROWS_MAX ? rows : STL_CYCLE_REPORT_ROWS_MAX;
    ldg_enc_array(e, (uint32_t)cap);
    for (size_t i = 0, w = 0; i < b->npairs && w < cap; i++) {
        if (!gross[i])
            continue;
        ldg_enc_array(e, 4);
        ldg_enc_bin(e, b->pairs[i].who.b, LDG_ACCOUNT_LEN);
        ldg_enc_str(e, b->pairs[i].asset);
        ldg_enc_u64(e, gross[i]);
        ldg_enc_u64(e, abs64(net[i]));
        w++;
    }
    free(gross);
    return !overflow;
}

/* Report (specs/settlement.md "Cycle reports"): [height, time_ms, obligations_in,
 * settled_count, carried_count, method, ccp, currencies, positions, failures, parties,
 * queue_settled, queue_waiting].
 *   currencies: [[code, gross, net, settled, carried]] one row per currency, sorted by code:
 *               money of different currencies is never added;
 *   positions:  [[account, asset, net]] non-zero nets over all obligations in;
 *   failures:   [[obligation, trade, reason, age, from, to, isin, qty, currency, cash]];
 *   parties:    [[account, currency, gross, net]] per participant other than the CCP.
 * Lists are capped at STL_CYCLE_REPORT_ROWS_MAX rows. */
static ldg_result encode_report(ldg_enc *e, ldg_txctx *c, const item *items, size_t n,
                                const uint8_t *settled, const book *b, const int64_t *net,
                                const ldg_account *ccp, const char *method, uint64_t qs,
                                uint64_t qw)
{
    uint64_t settled_count = 0;
    for (size_t i = 0; i < n; i++)
        settled_count += settled[i];
    ccy_figures *cf = malloc((n ? n : 1) * sizeof *cf);
    LDG_ASSERT(cf);
    bool overflow = false;
    size_t nc = currency_figures(items, n, settled, b, net, ccp, cf, &overflow);
    ldg_enc_array(e, 13);
    ldg_enc_u64(e, c->env->height);
    ldg_enc_u64(e, c->env->time_ms);
    ldg_enc_u64(e, n);
    ldg_enc_u64(e, settled_count);
    ldg_enc_u64(e, n - settled_count);
    ldg_enc_str(e, method);
    ldg_enc_bin(e, ccp->b, LDG_ACCOUNT_LEN);
    encode_currencies(e, cf, nc);
    free(cf);
    encode_positions(e, b, net);
    encode_failures(e, items, n, settled, b, net, ccp);
    overflow |= !encode_parties(e, items, n, b, net, ccp);
    ldg_enc_u64(e, qs);
    ldg_enc_u64(e, qw);
    if (overflow) {
        ldg_txctx_detail(c, "a currency's total in this cycle exceeds 2^64-1 minor units");
        return STL_R_VALUE_OVERFLOW;
    }
    return LDG_R_OK;
}

static ldg_result run_cycle(ldg_txctx *c, collect *s, uint64_t cycle)
{
    book b = {0};
    ldg_account ccp = {{0}};
    const uint8_t *v;
    size_t vl;
    bool found;
    uint8_t kk = 'K';
    if (ldg_state_get(c->st, &kk, 1, &v, &vl, &found) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (found && vl == LDG_ACCOUNT_LEN)
        memcpy(ccp.b, v, LDG_ACCOUNT_LEN);
    else if (s->n)
        return STL_R_NO_CCP;
    /* The LSM sees the items in canonical order (see item_canon_cmp). */
    if (s->n > 1)
        qsort(s->items, s->n, sizeof *s->items, item_canon_cmp);
    ldg_result r = book_build(c->st, s->items, s->n, &b);
    uint8_t *settled = calloc(s->n ? s->n : 1, 1);
    int64_t *net = malloc((b.npairs ? b.npairs : 1) * sizeof *net);
    LDG_ASSERT(settled && net);
    uint64_t value = 0;
    const char *method = "NONE";
    if (r == LDG_R_OK)
        r = book_net(s->items, s->n, &b, net);
    if (r == LDG_R_OK)
        r = choose(s->items, s->n, &b, settled, &value, &method);
    if (r == LDG_R_OK)
        r = settle_net(c, s->items, s->n, settled, &b, &ccp);
    for (size_t i = 0; r == LDG_R_OK && i < s->n; i++) {
        uint8_t key[9];
        stl_key_id(key, 'o', s->items[i].id);
        if (settled[i]) {
            ldg_state_del(c->st, key, sizeof key);
        } else {
            s->items[i].age++;
            put_obligation_item(c->st, &s->items[i]);
        }
    }
    uint64_t qs = 0, qw = 0;
    if (r == LDG_R_OK)
        r = stl_resolve_queue(c, true, &qs, &qw);
    if (r == LDG_R_OK) {
        ldg_enc e;
        ldg_enc_init(&e);
        r = encode_report(&e, c, s->items, s->n, settled, &b, net, &ccp, method, qs, qw);
        uint8_t key[9];
        stl_key_id(key, 'c', cycle);
        if (r == LDG_R_OK)
            ldg_state_put(c->st, key, sizeof key, ldg_enc_data(&e), ldg_enc_len(&e));
        ldg_enc_free(&e);
    }
    if (r == LDG_R_OK) {
        size_t done = 0;
        for (size_t i = 0; i < s->n; i++)
            done += settled[i];
        ldg_txctx_detail(c, "cycle %llu: %zu of %zu obligations settled, %zu carried",
                         (unsigned long long)cycle, done, s->n, s->n - done);
    }
    free(settled);
    free(net);
    book_free(&b);
    return r;
}

/* cycle.run: [] by clearing staff. */
ldg_result stl_apply_cycle_run(ldg_txctx *c, const msgpack_object *payload)
{
    const msgpack_object *f;
    if (!ldg_obj_array(payload, 0, &f))
        return LDG_R_BAD_PAYLOAD;
    uint8_t ck = 'C';
    uint64_t cycle;
    if (ldg_state_get_u64(c->st, &ck, 1, &cycle) != LDG_OK)
        return LDG_R_STORE_FAILED;
    cycle++;
    collect s = {.limit = STL_CYCLE_OBLIGATIONS_MAX};
    uint8_t prefix = 'o';
    if (ldg_state_scan(c->st, &prefix, 1, SIZE_MAX, collect_obligation, &s) != LDG_OK || s.bad) {
        free(s.items);
        return LDG_R_STORE_FAILED;
    }
    if (s.too_many) {
        free(s.items);
        ldg_txctx_detail(c, "more than %d open obligations", STL_CYCLE_OBLIGATIONS_MAX);
        return STL_R_CYCLE_TOO_LARGE;
    }
    ldg_result r = run_cycle(c, &s, cycle);
    free(s.items);
    if (r != LDG_R_OK)
        return r;
    ldg_state_put_u64(c->st, &ck, 1, cycle);
    for (int i = 0; i < 8; i++)
        c->data[i] = (uint8_t)(cycle >> (56 - 8 * i));
    c->data_len = 8;
    return LDG_R_OK;
}

/* ---- bilateral instructions and the queue ---- */

/* The escrow hub for bilateral settlement: an account no key controls (a tagged hash that
 * is not the hash of any public key we can exhibit). It holds nothing between
 * transactions. */
static void escrow_account(ldg_account *out)
{
    ldg_hash h;
    ldg_tagged_hash(&h, "folio/settlement-escrow", "", 0);
    memcpy(out->b, h.b, LDG_ACCOUNT_LEN);
}

static bool collect_queued(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    collect *s = arg;
    if (s->n >= s->limit) {
        s->too_many = true;
        return false;
    }
    ldg_dec d;
    const msgpack_object *f;
    if (kl != 9 || ldg_decode(&d, v, vl) != LDG_OK) {
        s->bad = true;
        return false;
    }
    GROW(s->items, s->n, s->cap);
    item *it = &s->items[s->n];
    memset(it, 0, sizeof *it);
    for (int i = 0; i < 8; i++)
        it->id = it->id << 8 | k[1 + i];
    bool ok = ldg_obj_array(d.root, 7, &f) && ldg_obj_bin(&f[0], it->from.b, LDG_ACCOUNT_LEN) &&
              ldg_obj_bin(&f[1], it->to.b, LDG_ACCOUNT_LEN) &&
              ldg_obj_str(&f[2], it->isin, 12, false) && ldg_obj_u64(&f[3], &it->qty) &&
              ldg_obj_str(&f[4], it->currency, 12, false) && ldg_obj_u64(&f[5], &it->cash) &&
              ldg_obj_u64(&f[6], &it->age);
    ldg_dec_free(&d);
    if (!ok) {
        s->bad = true;
        return false;
    }
    s->n++;
    return true;
}

static void put_queued(ldg_state *st, const item *it)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 7);
    ldg_enc_bin(&e, it->from.b, LDG_ACCOUNT_LEN);
    ldg_enc_bin(&e, it->to.b, LDG_ACCOUNT_LEN);
    ldg_enc_str(&e, it->isin);
    ldg_enc_u64(&e, it->qty);
    ldg_enc_str(&e, it->currency);
    ldg_enc_u64(&e, it->cash);
    ldg_enc_u64(&e, it->age);
    uint8_t key[9];
    stl_key_id(key, 'q', it->id);
    ldg_state_put(st, key, sizeof key, ldg_enc_data(&e), ldg_enc_len(&e));
    ldg_enc_free(&e);
}

static void mark_instruction(ldg_state *st, uint64_t id, uint64_t status);

/* 'Q' -> number of matched instructions waiting in the queue. */
static ldg_result queue_count(ldg_state *st, uint64_t *n)
{
    uint8_t k = 'Q';
    return ldg_state_get_u64(st, &k, 1, n) == LDG_OK ? LDG_R_OK : LDG_R_STORE_FAILED;
}

static void queue_count_add(ldg_state *st, int delta)
{
    uint8_t k = 'Q';
    uint64_t n = 0;
    LDG_ASSERT(ldg_state_get_u64(st, &k, 1, &n) == LDG_OK);
    n = delta < 0 ? n - 1 : n + 1;
    if (n)
        ldg_state_put_u64(st, &k, 1, n);
    else
        ldg_state_del(st, &k, 1);
}

ldg_result stl_resolve_queue(ldg_txctx *c, bool in_cycle, uint64_t *settled_count,
                             uint64_t *waiting)
{
    collect s = {.limit = STL_QUEUE_MAX};
    uint8_t prefix = 'q';
    *settled_count = *waiting = 0;
    if (ldg_state_scan(c->st, &prefix, 1, SIZE_MAX, collect_queued, &s) != LDG_OK || s.bad) {
        free(s.items);
        return LDG_R_STORE_FAILED;
    }
    /* Over STL_QUEUE_MAX (cannot happen: instruct refuses to queue more) the oldest
     * STL_QUEUE_MAX are resolved; the rest wait for the next run. */
    if (s.n > 1)
        qsort(s.items, s.n, sizeof *s.items, item_canon_cmp);
    book b = {0};
    ldg_result r = book_build(c->st, s.items, s.n, &b);
    uint8_t *settled = calloc(s.n ? s.n : 1, 1);
    LDG_ASSERT(settled);
    uint64_t value;
    const char *method;
    ldg_account escrow;
    escrow_account(&escrow);
    if (r == LDG_R_OK)
        r = choose(s.items, s.n, &b, settled, &value, &method);
    if (r == LDG_R_OK)
        r = settle_net(c, s.items, s.n, settled, &b, &escrow);
    for (size_t i = 0; r == LDG_R_OK && i < s.n; i++) {
        uint8_t key[9];
        stl_key_id(key, 'q', s.items[i].id);
        if (settled[i]) {
            ldg_state_del(c->st, key, sizeof key);
            mark_instruction(c->st, s.items[i].id, STL_INSTR_SETTLED);
            uint8_t xk[10];
            stl_ns_key_id(xk, 'x', s.items[i].id); /* a pending cancel request lapses */
            ldg_state_del(c->st, xk, sizeof xk);
            (*settled_count)++;
            queue_count_add(c->st, -1);
        } else {
            if (in_cycle) {
                s.items[i].age++;
                put_queued(c->st, &s.items[i]);
            }
            (*waiting)++;
        }
    }
    free(settled);
    free(s.items);
    book_free(&b);
    return r;
}

/* settle.resolve: [] by clearing staff: runs the LSM over the queue now. */
ldg_result stl_apply_settle_resolve(ldg_txctx *c, const msgpack_object *payload)
{
    const msgpack_object *f;
    if (!ldg_obj_array(payload, 0, &f))
        return LDG_R_BAD_PAYLOAD;
    uint64_t settled, waiting;
    ldg_result r = stl_resolve_queue(c, false, &settled, &waiting);
    if (r == LDG_R_OK)
        ldg_txctx_detail(c, "%llu settled, %llu waiting", (unsigned long long)settled,
                         (unsigned long long)waiting);
    return r;
}

/* Instruction record: [status, owner, counterparty, deliver, isin, qty, currency, amount,
 * matched_with, height]. */
typedef stl_instruction instruction;

static void put_instruction(ldg_state *st, uint64_t id, const instruction *in)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 10);
    ldg_enc_u64(&e, in->status);
    ldg_enc_bin(&e, in->owner.b, LDG_ACCOUNT_LEN);
    ldg_enc_bin(&e, in->counterparty.b, LDG_ACCOUNT_LEN);
    ldg_enc_bool(&e, in->deliver);
    ldg_enc_str(&e, in->isin);
    ldg_enc_u64(&e, in->qty);
    ldg_enc_str(&e, in->currency);
    ldg_enc_u64(&e, in->amount);
    ldg_enc_u64(&e, in->matched_with);
    ldg_enc_u64(&e, in->height);
    uint8_t key[9];
    stl_key_id(key, 'i', id);
    ldg_state_put(st, key, sizeof key, ldg_enc_data(&e), ldg_enc_len(&e));
    ldg_enc_free(&e);
}

ldg_err stl_instruction_decode(const uint8_t *v, size_t vl, stl_instruction *in)
{
    ldg_dec d;
    if (ldg_decode(&d, v, vl) != LDG_OK)
        return LDG_ERR_CORRUPT;
    const msgpack_object *f;
    bool ok = ldg_obj_array(d.root, 10, &f) && ldg_obj_u64(&f[0], &in->status) &&
              ldg_obj_bin(&f[1], in->owner.b, LDG_ACCOUNT_LEN) &&
              ldg_obj_bin(&f[2], in->counterparty.b, LDG_ACCOUNT_LEN) &&
              ldg_obj_bool(&f[3], &in->deliver) && ldg_obj_str(&f[4], in->isin, 12, false) &&
              ldg_obj_u64(&f[5], &in->qty) && ldg_obj_str(&f[6], in->currency, 12, false) &&
              ldg_obj_u64(&f[7], &in->amount) && ldg_obj_u64(&f[8], &in->matched_with) &&
              ldg_obj_u64(&f[9], &in->height);
    ldg_dec_free(&d);
    return ok ? LDG_OK : LDG_ERR_CORRUPT;
}

const char *stl_instruction_status_name(uint64_t status)
{
    switch (status) {
    case STL_INSTR_UNMATCHED:
        return "unmatched";
    case STL_INSTR_QUEUED:
        return "queued";
    case STL_INSTR_SETTLED:
        return "settled";
    case STL_INSTR_CANCELLED:
        return "cancelled";
    default:
        return "unknown";
    }
}

static bool get_instruction(ldg_state *st, uint64_t id, instruction *in)
{
    uint8_t key[9];
    stl_key_id(key, 'i', id);
    const uint8_t *v;
    size_t vl;
    bool found;
    if (ldg_state_get(st, key, sizeof key, &v, &vl, &found) != LDG_OK || !found)
        return false;
    in->id = id;
    return stl_instruction_decode(v, vl, in) == LDG_OK;
}

static void mark_instruction(ldg_state *st, uint64_t id, uint64_t status)
{
    instruction in;
    if (!get_instruction(st, id, &in))
        return;
    in.status = status;
    put_instruction(st, id, &in);
    /* The mirror's own record, under its own id (not under its matched_with, which is id). */
    uint64_t other = in.matched_with;
    if (other && get_instruction(st, other, &in)) {
        in.status = status;
        put_instruction(st, other, &in);
    }
}

/* The match key: 'm' || H(deliverer, receiver, isin, qty, currency, amount) || side || id.
 * side is 1 when the waiting instruction is the deliverer's. */
static void match_prefix(uint8_t out[1 + LDG_HASH_LEN + 1], const ldg_account *deliverer,
                         const ldg_account *receiver, const instruction *in, bool deliver_side)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 6);
    ldg_enc_bin(&e, deliverer->b, LDG_ACCOUNT_LEN);
    ldg_enc_bin(&e, receiver->b, LDG_ACCOUNT_LEN);
    ldg_enc_str(&e, in->isin);
    ldg_enc_u64(&e, in->qty);
    ldg_enc_str(&e, in->currency);
    ldg_enc_u64(&e, in->amount);
    ldg_hash h;
    ldg_tagged_hash(&h, "folio/settle-match", ldg_enc_data(&e), ldg_enc_len(&e));
    ldg_enc_free(&e);
    out[0] = 'm';
    memcpy(out + 1, h.b, LDG_HASH_LEN);
    out[1 + LDG_HASH_LEN] = deliver_side;
}

static bool first_key(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    uint64_t *id = arg;
    if (kl == 1 + LDG_HASH_LEN + 1 + 8)
        for (int i = 0; i < 8; i++)
            *id = *id << 8 | k[1 + LDG_HASH_LEN + 1 + i];
    return false;
}

/* settle.instruct: [deliver, isin, qty, currency, amount, counterparty] */
ldg_result stl_apply_settle_instruct(ldg_txctx *c, const msgpack_object *payload)
{
    const msgpack_object *f;
    instruction in = {.status = STL_INSTR_UNMATCHED, .height = c->env->height};
    if (!ldg_obj_array(payload, 6, &f) || !ldg_obj_bool(&f[0], &in.deliver) ||
        !ldg_obj_str(&f[1], in.isin, 12, false) || !ldg_obj_u64(&f[2], &in.qty) ||
        !ldg_obj_str(&f[3], in.currency, 12, false) || !ldg_obj_u64(&f[4], &in.amount) ||
        !ldg_obj_bin(&f[5], in.counterparty.b, LDG_ACCOUNT_LEN))
        return LDG_R_BAD_PAYLOAD;
    if (in.qty == 0)
        return AST_R_ZERO_QUANTITY;
    if (in.amount == 0)
        return STL_R_ZERO_PRICE;
    if (in.qty > STL_AMOUNT_MAX || in.amount > STL_AMOUNT_MAX)
        return STL_R_VALUE_OVERFLOW;
    in.owner = c->sender;
    if (!memcmp(in.owner.b, in.counterparty.b, LDG_ACCOUNT_LEN))
        return STL_R_SELF_TRADE;
    ast_asset a;
    bool found;
    if (ast_asset_get(c->st, in.isin, &a, &found) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (!found)
        return AST_R_UNKNOWN_ASSET;
    if (a.kind == AST_KIND_CASH)
        return STL_R_NOT_SECURITY;
    if (ast_asset_get(c->st, in.currency, &a, &found) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (!found || a.kind != AST_KIND_CASH)
        return STL_R_UNKNOWN_CURRENCY;
    ldg_participant cp;
    if (ldg_participant_get(c->st, &in.counterparty, &cp, &found) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (!found)
        return LDG_R_UNKNOWN_ACCOUNT;
    uint64_t id, n;
    uint8_t ik = 'I';
    if (ldg_state_get_u64(c->st, &ik, 1, &n) != LDG_OK)
        return LDG_R_STORE_FAILED;
    id = n + 1;
    ldg_state_put_u64(c->st, &ik, 1, id);
    const ldg_account *deliverer = in.deliver ? &in.owner : &in.counterparty;
    const ldg_account *receiver = in.deliver ? &in.counterparty : &in.owner;
    uint8_t mine[1 + LDG_HASH_LEN + 1 + 8], theirs[1 + LDG_HASH_LEN + 1];
    match_prefix(mine, deliverer, receiver, &in, in.deliver);
    match_prefix(theirs, deliverer, receiver, &in, !in.deliver);
    uint64_t other = 0;
    if (ldg_state_scan(c->st, theirs, sizeof theirs, 1, first_key, &other) != LDG_OK)
        return LDG_R_STORE_FAILED;
    for (int i = 0; i < 8; i++)
        c->data[i] = (uint8_t)(id >> (56 - 8 * i));
    c->data_len = 8;
    if (!other) {
        for (int i = 0; i < 8; i++)
            mine[1 + LDG_HASH_LEN + 1 + i] = (uint8_t)(id >> (56 - 8 * i));
        ldg_state_put(c->st, mine, sizeof mine, "", 0);
        put_instruction(c->st, id, &in);
        ldg_txctx_detail(c, "instruction %llu waits for the counterparty's mirror",
                         (unsigned long long)id);
        return LDG_R_OK;
    }
    /* Matched: consume the waiting one and queue the pair under this id. */
    uint8_t okey[sizeof mine];
    memcpy(okey, theirs, sizeof theirs);
    for (int i = 0; i < 8; i++)
        okey[1 + LDG_HASH_LEN + 1 + i] = (uint8_t)(other >> (56 - 8 * i));
    ldg_state_del(c->st, okey, sizeof okey);
    instruction o;
    if (!get_instruction(c->st, other, &o))
        return LDG_R_STORE_FAILED;
    o.matched_with = id;
    o.status = STL_INSTR_QUEUED;
    put_instruction(c->st, other, &o);
    in.matched_with = other;
    in.status = STL_INSTR_QUEUED;
    put_instruction(c->st, id, &in);
    item it = {.id = id, .from = *deliverer, .to = *receiver, .qty = in.qty, .cash = in.amount};
    memcpy(it.isin, in.isin, sizeof it.isin);
    memcpy(it.currency, in.currency, sizeof it.currency);
    /* Settle at once if both sides hold what they owe; otherwise wait in the queue. */
    uint64_t sec = 0, cash = 0;
    if (ast_balance_get(c->st, it.isin, &it.from, &sec) != LDG_OK ||
        ast_balance_get(c->st, it.currency, &it.to, &cash) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (sec >= it.qty && cash >= it.cash) {
        ldg_result r = ast_move(c, it.isin, &it.from, &it.to, it.qty);
        if (r == LDG_R_OK)
            r = ast_move(c, it.currency, &it.to, &it.from, it.cash);
        if (r != LDG_R_OK)
            return r;
        mark_instruction(c->st, id, STL_INSTR_SETTLED);
        ldg_txctx_detail(c, "matched with instruction %llu and settled", (unsigned long long)other);
        return LDG_R_OK;
    }
    uint64_t waiting;
    if (queue_count(c->st, &waiting) != LDG_R_OK)
        return LDG_R_STORE_FAILED;
    if (waiting >= STL_QUEUE_MAX) {
        ldg_txctx_detail(c, "%llu instructions already wait in the queue",
                         (unsigned long long)waiting);
        return STL_R_QUEUE_FULL;
    }
    put_queued(c->st, &it);
    queue_count_add(c->st, +1);
    ldg_txctx_detail(c, "matched with instruction %llu; queued until both sides hold what they owe",
                     (unsigned long long)other);
    return LDG_R_OK;
}

/* Cancels an unmatched instruction: only its sender may, and its match key goes. */
static ldg_result cancel_unmatched(ldg_txctx *c, instruction *in)
{
    if (memcmp(in->owner.b, c->sender.b, LDG_ACCOUNT_LEN) != 0) {
        ldg_txctx_detail(c, "instruction %llu is not matched yet: only its sender may cancel it",
                         (unsigned long long)in->id);
        return STL_R_NOT_INSTRUCTION_PARTY;
    }
    const ldg_account *deliverer = in->deliver ? &in->owner : &in->counterparty;
    const ldg_account *receiver = in->deliver ? &in->counterparty : &in->owner;
    uint8_t key[1 + LDG_HASH_LEN + 1 + 8];
    match_prefix(key, deliverer, receiver, in, in->deliver);
    for (int i = 0; i < 8; i++)
        key[1 + LDG_HASH_LEN + 1 + i] = (uint8_t)(in->id >> (56 - 8 * i));
    ldg_state_del(c->st, key, sizeof key);
    in->status = STL_INSTR_CANCELLED;
    put_instruction(c->st, in->id, in);
    ldg_txctx_detail(c, "instruction %llu cancelled before matching", (unsigned long long)in->id);
    return LDG_R_OK;
}

/* A matched pair waiting in the queue leaves it only when both parties ask: the first request
 * is recorded under 's' 'x' (bit 1 the deliverer, 2 the receiver), the second removes the pair. */
static ldg_result cancel_queued(ldg_txctx *c, const instruction *in)
{
    uint64_t qid = in->id > in->matched_with ? in->id : in->matched_with;
    const ldg_account *deliverer = in->deliver ? &in->owner : &in->counterparty;
    const ldg_account *receiver = in->deliver ? &in->counterparty : &in->owner;
    uint64_t bit = !memcmp(deliverer->b, c->sender.b, LDG_ACCOUNT_LEN)  ? 1
                   : !memcmp(receiver->b, c->sender.b, LDG_ACCOUNT_LEN) ? 2
                                                                        : 0;
    if (!bit)
        return STL_R_NOT_INSTRUCTION_PARTY;
    uint8_t xk[10], qk[9];
    stl_ns_key_id(xk, 'x', qid);
    stl_key_id(qk, 'q', qid);
    uint64_t asked = 0;
    if (ldg_state_get_u64(c->st, xk, sizeof xk, &asked) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (asked & bit) {
        ldg_txctx_detail(c, "pair %llu: the %s already asked; the %s must ask too",
                         (unsigned long long)qid, bit == 1 ? "deliverer" : "receiver",
                         bit == 1 ? "receiver" : "deliverer");
        return STL_R_CANCEL_REQUESTED;
    }
    asked |= bit;
    if (asked != 3) {
        ldg_state_put_u64(c->st, xk, sizeof xk, asked);
        ldg_txctx_detail(c,
                         "cancel of matched pair %llu requested by the %s; it stays queued until "
                         "the %s asks too",
                         (unsigned long long)qid, bit == 1 ? "deliverer" : "receiver",
                         bit == 1 ? "receiver" : "deliverer");
        return LDG_R_OK;
    }
    ldg_state_del(c->st, xk, sizeof xk);
    ldg_state_del(c->st, qk, sizeof qk);
    queue_count_add(c->st, -1);
    mark_instruction(c->st, qid, STL_INSTR_CANCELLED);
    ldg_txctx_detail(c, "matched pair %llu cancelled by both parties and removed from the queue",
                     (unsigned long long)qid);
    return LDG_R_OK;
}

/* settle.cancel: [instruction_id] (specs/settlement.md "Cancelling instructions"). */
ldg_result stl_apply_settle_cancel(ldg_txctx *c, const msgpack_object *payload)
{
    const msgpack_object *f;
    uint64_t id;
    if (!ldg_obj_array(payload, 1, &f) || !ldg_obj_u64(&f[0], &id))
        return LDG_R_BAD_PAYLOAD;
    instruction in;
    uint8_t key[9];
    stl_key_id(key, 'i', id);
    const uint8_t *v;
    size_t vl;
    bool found;
    if (ldg_state_get(c->st, key, sizeof key, &v, &vl, &found) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (!found)
        return STL_R_UNKNOWN_INSTRUCTION;
    if (stl_instruction_decode(v, vl, &in) != LDG_OK)
        return LDG_R_STORE_FAILED;
    in.id = id;
    for (int i = 0; i < 8; i++)
        c->data[i] = (uint8_t)(id >> (56 - 8 * i));
    c->data_len = 8;
    if (in.status == STL_INSTR_UNMATCHED)
        return cancel_unmatched(c, &in);
    if (in.status == STL_INSTR_QUEUED)
        return cancel_queued(c, &in);
    ldg_txctx_detail(c, "instruction %llu is %s", (unsigned long long)id,
                     stl_instruction_status_name(in.status));
    return STL_R_INSTRUCTION_FINAL;
}
