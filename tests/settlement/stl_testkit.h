/* Harness for the settlement suites (test_trade.c, test_cycle.c): the executor from
 * net_registry_new() over an in-memory state (sorted-array base + overlay), participants and
 * instruments written directly, transactions built with ldg_tx_build(deterministic) and
 * run through ldg_tx_decode + ldg_exec_tx, blocks committed into the memkv, and
 * conservation sums over every holding. Header-only, static functions. */
#ifndef STL_TESTKIT_H
#define STL_TESTKIT_H

#include "testlib.h"

#include "ast_asset.h"
#include "ldg_exec.h"
#include "ldg_state.h"
#include "net_node.h"
#include "stl_ledger.h"

#define TK_CHAIN "folio-test"
#define TK_MAX_PARTY 64
#define TK_MAX_ASSET 16

/* ---- an in-memory base ----
 * A sorted array of keys (bytewise order, shorter first on a tie, as RocksDB and
 * ldg_state_writes order them), merged with each block's sorted writes. Used instead of
 * ldg_memkv because memkv_scan passes NULL to qsort on an empty match (UBSan aborts). */
typedef struct tk_row {
    uint8_t *key, *val;
    size_t klen, vlen;
} tk_row;

typedef struct tk_kv {
    tk_row *rows;
    size_t n, cap;
} tk_kv;

static int tk_keycmp(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
    int c = memcmp(a, b, al < bl ? al : bl);
    return c ? c : (al > bl) - (al < bl);
}

static size_t tk_lower(const tk_kv *m, const uint8_t *key, size_t klen)
{
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (tk_keycmp(m->rows[mid].key, m->rows[mid].klen, key, klen) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static ldg_err tk_kv_get(void *arg, const uint8_t *key, size_t klen, uint8_t **val, size_t *vlen)
{
    tk_kv *m = arg;
    size_t i = tk_lower(m, key, klen);
    if (i == m->n || tk_keycmp(m->rows[i].key, m->rows[i].klen, key, klen) != 0)
        return LDG_ERR_NOT_FOUND;
    *val = malloc(m->rows[i].vlen ? m->rows[i].vlen : 1);
    LDG_ASSERT(*val);
    if (m->rows[i].vlen)
        memcpy(*val, m->rows[i].val, m->rows[i].vlen);
    *vlen = m->rows[i].vlen;
    return LDG_OK;
}

static ldg_err tk_kv_scan(void *arg, const uint8_t *prefix, size_t plen,
                          bool (*fn)(void *, const uint8_t *, size_t, const uint8_t *, size_t),
                          void *fa)
{
    tk_kv *m = arg;
    for (size_t i = tk_lower(m, prefix, plen); i < m->n; i++) {
        if (m->rows[i].klen < plen || memcmp(m->rows[i].key, prefix, plen) != 0)
            break;
        if (!fn(fa, m->rows[i].key, m->rows[i].klen, m->rows[i].val, m->rows[i].vlen))
            break;
    }
    return LDG_OK;
}

static uint8_t *tk_dup(const void *p, size_t n)
{
    uint8_t *d = malloc(n ? n : 1);
    LDG_ASSERT(d);
    if (n)
        memcpy(d, p, n);
    return d;
}

/* Folds sorted writes into the map (a merge: O(rows + writes)). */
static void tk_kv_apply(tk_kv *m, const ldg_write *w, size_t nw)
{
    size_t cap = m->n + nw + 1, k = 0, i = 0, j = 0;
    tk_row *out = malloc(cap * sizeof *out);
    LDG_ASSERT(out);
    while (i < m->n || j < nw) {
        int c = i == m->n ? 1
                : j == nw ? -1
                          : tk_keycmp(m->rows[i].key, m->rows[i].klen, w[j].key, w[j].klen);
        if (c < 0) {
            out[k++] = m->rows[i++];
            continue;
        }
        if (c == 0) {
            free(m->rows[i].key);
            free(m->rows[i].val);
            i++;
        }
        if (w[j].val)
            out[k++] = (tk_row){tk_dup(w[j].key, w[j].klen), tk_dup(w[j].val, w[j].vlen), w[j].klen,
                                w[j].vlen};
        j++;
    }
    free(m->rows);
    m->rows = out, m->n = k, m->cap = cap;
}

static void tk_kv_free(tk_kv *m)
{
    for (size_t i = 0; i < m->n; i++) {
        free(m->rows[i].key);
        free(m->rows[i].val);
    }
    free(m->rows);
    free(m);
}

typedef struct tk_party {
    ldg_keypair kp;
    ldg_account acct;
    char name[32];
} tk_party;

typedef struct tk {
    tk_kv *kv;
    ldg_state *st;
    ldg_registry *reg;
    ldg_env env;
    uint64_t seq; /* makes every transaction id distinct */
    tk_party party[TK_MAX_PARTY];
    int nparty;
    char assets[TK_MAX_ASSET][13];
    uint64_t supply[TK_MAX_ASSET];
    int nasset;
    ldg_receipt last;
} tk;

static TL_UNUSED void tk_commit(tk *t)
{
    const ldg_write *w;
    size_t n = ldg_state_writes(t->st, &w);
    tk_kv_apply(t->kv, w, n);
    ldg_state_reset(t->st);
    t->env.height++;
    t->env.time_ms += 1000;
}

static TL_UNUSED void tk_init(tk *t)
{
    memset(t, 0, sizeof *t);
    t->kv = calloc(1, sizeof *t->kv);
    LDG_ASSERT(t->kv);
    t->st = ldg_state_new((ldg_state_base){tk_kv_get, tk_kv_scan, t->kv, NULL, NULL, NULL});
    t->reg = net_registry_new();
    t->env = (ldg_env){.chain_id = TK_CHAIN, .height = 1, .time_ms = 1700000000000ULL};
}

static TL_UNUSED void tk_free(tk *t)
{
    ldg_state_free(t->st);
    tk_kv_free(t->kv);
    ldg_registry_free(t->reg);
}

/* Registers a participant with roles; returns its index. */
static TL_UNUSED int tk_party_add(tk *t, const char *name, uint32_t roles)
{
    ck_assert_int_lt(t->nparty, TK_MAX_PARTY);
    int i = t->nparty++;
    tk_party *p = &t->party[i];
    tl_key(&p->kp, (uint32_t)(1000 + i));
    p->acct = tl_account(&p->kp);
    snprintf(p->name, sizeof p->name, "%s", name);
    ldg_participant rec = {.roles = roles, .pubkey = p->kp.pub, .height = 0, .account = p->acct};
    snprintf(rec.name, sizeof rec.name, "%s", name);
    ldg_participant_put(t->st, &rec);
    return i;
}

/* Issues an instrument (kind AST_KIND_EQUITY or AST_KIND_CASH) with nobody holding it. */
static TL_UNUSED void tk_asset_add(tk *t, const char *id, uint64_t kind)
{
    ck_assert_int_lt(t->nasset, TK_MAX_ASSET);
    snprintf(t->assets[t->nasset], 13, "%s", id);
    t->supply[t->nasset++] = 0;
    ast_asset a = {.kind = kind, .scale = kind == AST_KIND_CASH ? 2 : 0, .risk = 1};
    snprintf(a.id, sizeof a.id, "%s", id);
    snprintf(a.name, sizeof a.name, "%s", id);
    if (kind == AST_KIND_CASH)
        snprintf(a.currency, sizeof a.currency, "%s", id);
    ast_asset_put(t->st, &a);
}

/* Credits newly issued units to a participant (supply follows). */
static TL_UNUSED void tk_give(tk *t, int who, const char *id, uint64_t qty)
{
    int k = 0;
    while (k < t->nasset && strcmp(t->assets[k], id))
        k++;
    ck_assert_int_lt(k, t->nasset);
    ck_assert_int_eq(ast_credit(t->st, id, &t->party[who].acct, qty), LDG_R_OK);
    t->supply[k] += qty;
    ast_asset a;
    bool found;
    ck_assert(ast_asset_get(t->st, id, &a, &found) == LDG_OK && found);
    a.supply = t->supply[k];
    ast_asset_put(t->st, &a);
}

static TL_UNUSED uint64_t tk_bal(tk *t, int who, const char *id)
{
    uint64_t q = 0;
    ck_assert(ast_balance_get(t->st, id, &t->party[who].acct, &q) == LDG_OK);
    return q;
}

static TL_UNUSED uint64_t tk_bal_acct(tk *t, const ldg_account *a, const char *id)
{
    uint64_t q = 0;
    ck_assert(ast_balance_get(t->st, id, a, &q) == LDG_OK);
    return q;
}

/* Runs one transaction by party `who`; returns the receipt code (receipt in t->last). */
static TL_UNUSED ldg_result tk_tx(tk *t, int who, uint64_t type, const ldg_enc *payload)
{
    size_t len;
    ldg_hash id;
    uint64_t expiry = t->env.time_ms + 1000 + (t->seq++ % 1000000);
    uint8_t *wire =
        tl_tx_build(&len, &id, TK_CHAIN, &TL_NO_GENESIS, type, &t->party[who].kp, expiry, payload);
    ldg_tx tx;
    ldg_result dr = ldg_tx_decode(&tx, wire, len);
    if (dr != LDG_R_OK) {
        for (size_t i = 0; i < len; i++)
            fprintf(stderr, "%02x", wire[i]);
        fprintf(stderr, "\n");
    }
    ck_assert_int_eq(dr, LDG_R_OK);
    ck_assert(ldg_exec_tx(t->reg, t->st, &t->env, &tx, 0, &t->last) == LDG_OK);
    ldg_tx_free(&tx);
    free(wire);
    return t->last.code;
}

static TL_UNUSED uint64_t tk_receipt_id(const tk *t)
{
    ck_assert_uint_eq(t->last.data_len, 8);
    uint64_t id = 0;
    for (int i = 0; i < 8; i++)
        id = id << 8 | t->last.data[i];
    return id;
}

/* trade.submit; returns the receipt code; *id set on success. */
static TL_UNUSED ldg_result tk_submit(tk *t, int who, const char *isin, int side, uint64_t qty,
                                      uint64_t price, const char *ccy, int cp, uint64_t *id)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 7);
    ldg_enc_str(&e, isin);
    ldg_enc_u64(&e, (uint64_t)side);
    ldg_enc_u64(&e, qty);
    ldg_enc_u64(&e, price);
    ldg_enc_str(&e, ccy);
    ldg_enc_bin(&e, t->party[cp].acct.b, LDG_ACCOUNT_LEN);
    ldg_enc_str(&e, "");
    ldg_result r = tk_tx(t, who, STL_TX_TRADE_SUBMIT, &e);
    ldg_enc_free(&e);
    if (r == LDG_R_OK && id)
        *id = tk_receipt_id(t);
    return r;
}

static TL_UNUSED ldg_result tk_by_id(tk *t, int who, uint64_t type, uint64_t id)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 1);
    ldg_enc_u64(&e, id);
    ldg_result r = tk_tx(t, who, type, &e);
    ldg_enc_free(&e);
    return r;
}

/* Submits (seller sells to buyer) and affirms; returns the trade id. */
static TL_UNUSED uint64_t tk_trade(tk *t, int seller, int buyer, const char *isin, uint64_t qty,
                                   uint64_t price, const char *ccy)
{
    uint64_t id = 0;
    ck_assert_int_eq(tk_submit(t, seller, isin, STL_SIDE_SELL, qty, price, ccy, buyer, &id),
                     LDG_R_OK);
    ck_assert_int_eq(tk_by_id(t, buyer, STL_TX_TRADE_AFFIRM, id), LDG_R_OK);
    return id;
}

static TL_UNUSED ldg_result tk_empty(tk *t, int who, uint64_t type)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 0);
    ldg_result r = tk_tx(t, who, type, &e);
    ldg_enc_free(&e);
    return r;
}

/* settle.instruct by `who`. */
static TL_UNUSED ldg_result tk_instruct(tk *t, int who, bool deliver, const char *isin,
                                        uint64_t qty, const char *ccy, uint64_t amount, int cp)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 6);
    ldg_enc_bool(&e, deliver);
    ldg_enc_str(&e, isin);
    ldg_enc_u64(&e, qty);
    ldg_enc_str(&e, ccy);
    ldg_enc_u64(&e, amount);
    ldg_enc_bin(&e, t->party[cp].acct.b, LDG_ACCOUNT_LEN);
    ldg_result r = tk_tx(t, who, STL_TX_SETTLE_INSTRUCT, &e);
    ldg_enc_free(&e);
    return r;
}

/* ---- the stored cycle report ---- */

typedef struct tk_fail {
    uint64_t obligation, trade, reason, age;
} tk_fail;

/* One currency's figures of a cycle (specs/settlement.md "Cycle reports"). */
typedef struct tk_ccy {
    char code[13];
    uint64_t gross, net, settled, carried;
} tk_ccy;

typedef struct tk_report {
    uint64_t obligations, settled_count, carried_count, queue_settled, queue_waiting;
    /* The CNY row's figures (0 when the cycle had no CNY obligation): the suites trade in
     * CNY; a cycle of several currencies is read through cur[]. */
    uint64_t gross, net, settled_value, carried_value;
    char method[32];
    size_t ncur;
    tk_ccy cur[8];
    size_t nfail;
    tk_fail fail[256];
    size_t npos;
} tk_report;

static void tk_report_currencies(const msgpack_object *o, tk_report *r)
{
    const msgpack_object *rows, *q;
    uint32_t nr;
    ck_assert(ldg_obj_array_any(o, STL_CYCLE_REPORT_ROWS_MAX, &rows, &nr));
    for (uint32_t i = 0; i < nr; i++) {
        ck_assert_uint_lt(r->ncur, 8);
        tk_ccy *c = &r->cur[r->ncur++];
        ck_assert(ldg_obj_array(&rows[i], 5, &q) && ldg_obj_str(&q[0], c->code, 12, false) &&
                  ldg_obj_u64(&q[1], &c->gross) && ldg_obj_u64(&q[2], &c->net) &&
                  ldg_obj_u64(&q[3], &c->settled) && ldg_obj_u64(&q[4], &c->carried));
        if (!strcmp(c->code, "CNY")) {
            r->gross = c->gross, r->net = c->net;
            r->settled_value = c->settled, r->carried_value = c->carried;
        }
    }
}

/* The figures of currency code in r, or NULL. */
static TL_UNUSED const tk_ccy *tk_report_ccy(const tk_report *r, const char *code)
{
    for (size_t i = 0; i < r->ncur; i++)
        if (!strcmp(r->cur[i].code, code))
            return &r->cur[i];
    return NULL;
}

static TL_UNUSED void tk_report_get(tk *t, uint64_t n, tk_report *r)
{
    memset(r, 0, sizeof *r);
    uint8_t key[9];
    stl_key_id(key, 'c', n);
    const uint8_t *v;
    size_t vl;
    bool found;
    ck_assert(ldg_state_get(t->st, key, 9, &v, &vl, &found) == LDG_OK);
    ck_assert_msg(found, "no report for cycle %llu", (unsigned long long)n);
    ldg_dec d;
    ck_assert(ldg_decode(&d, v, vl) == LDG_OK);
    /* [height, time_ms, obligations, settled_count, carried_count, method, ccp, currencies,
     *  positions, failures, parties, queue_settled, queue_waiting] */
    const msgpack_object *f, *rows;
    uint32_t nr;
    uint64_t x[5];
    ck_assert(ldg_obj_array(d.root, 13, &f));
    for (int i = 0; i < 5; i++)
        ck_assert(ldg_obj_u64(&f[i], &x[i]));
    r->obligations = x[2], r->settled_count = x[3], r->carried_count = x[4];
    ck_assert(ldg_obj_str(&f[5], r->method, 31, false));
    tk_report_currencies(&f[7], r);
    ck_assert(ldg_obj_array_any(&f[8], STL_CYCLE_REPORT_ROWS_MAX, &rows, &nr));
    r->npos = nr;
    ck_assert(ldg_obj_array_any(&f[9], STL_CYCLE_REPORT_ROWS_MAX, &rows, &nr));
    for (uint32_t i = 0; i < nr && r->nfail < 256; i++) {
        const msgpack_object *q;
        tk_fail *fl = &r->fail[r->nfail++];
        ck_assert(ldg_obj_array(&rows[i], 10, &q) && ldg_obj_u64(&q[0], &fl->obligation) &&
                  ldg_obj_u64(&q[1], &fl->trade) && ldg_obj_u64(&q[2], &fl->reason) &&
                  ldg_obj_u64(&q[3], &fl->age));
    }
    ck_assert(ldg_obj_u64(&f[11], &r->queue_settled) && ldg_obj_u64(&f[12], &r->queue_waiting));
    ldg_dec_free(&d);
}

/* ---- conservation ---- */

typedef struct tk_sum {
    const char *id;
    uint8_t key[1 + AST_ID_LEN];
    unsigned __int128 total;
    size_t holders;
    bool bad;
} tk_sum;

static bool tk_sum_row(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    tk_sum *s = arg;
    (void)k;
    if (kl != 1 + AST_ID_LEN + LDG_ACCOUNT_LEN) {
        s->bad = true;
        return false;
    }
    ldg_dec d;
    uint64_t q;
    if (ldg_decode(&d, v, vl) != LDG_OK) {
        s->bad = true;
        return false;
    }
    if (!ldg_obj_u64(d.root, &q) || q == 0)
        s->bad = true;
    ldg_dec_free(&d);
    s->total += q;
    s->holders++;
    return true;
}

/* Every instrument's holdings add up to its supply; the holder count matches. */
static TL_UNUSED void tk_check_conserved(tk *t)
{
    for (int k = 0; k < t->nasset; k++) {
        tk_sum s = {.id = t->assets[k]};
        s.key[0] = 'b';
        ck_assert(ast_id_key(s.key + 1, t->assets[k]));
        ck_assert(ldg_state_scan(t->st, s.key, sizeof s.key, SIZE_MAX, tk_sum_row, &s) == LDG_OK);
        ck_assert_msg(!s.bad, "%s: a malformed or zero holding", t->assets[k]);
        ck_assert_msg(s.total == t->supply[k], "%s: holdings %llu != supply %llu", t->assets[k],
                      (unsigned long long)s.total, (unsigned long long)t->supply[k]);
        uint8_t hk[1 + AST_ID_LEN] = {'H'};
        ck_assert(ast_id_key(hk + 1, t->assets[k]));
        uint64_t h = 0;
        ck_assert(ldg_state_get_u64(t->st, hk, sizeof hk, &h) == LDG_OK);
        ck_assert_uint_eq(h, s.holders);
    }
}

/* The CCP (pinned account) holds nothing of any instrument. */
static TL_UNUSED void tk_check_flat(tk *t, int ccp)
{
    for (int k = 0; k < t->nasset; k++)
        ck_assert_msg(tk_bal(t, ccp, t->assets[k]) == 0, "CCP holds %llu %s",
                      (unsigned long long)tk_bal(t, ccp, t->assets[k]), t->assets[k]);
}

/* Nothing but the transaction's replay-guard record was written since the last commit. */
static TL_UNUSED void tk_check_unchanged(tk *t)
{
    const ldg_write *w;
    size_t n = ldg_state_writes(t->st, &w);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(w[i].key[0] == LDG_KEY_TXID, "a failed transaction wrote key '%c'",
                      w[i].key[0]);
}

#endif
