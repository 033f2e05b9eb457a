/* bench_cycle: a full netting cycle through the ledger. N trades (default 100,000; argv[1]
 * or FOLIO_BENCH_TRADES) between 200 brokers in 20 instruments are submitted and affirmed
 * through the executor (net_registry_new, signed transactions, blocks of 5,000 committed
 * into an in-memory base), then one cycle.run transaction nets and settles the 2N
 * obligations. Printed next to it, measured in the same run: the baseline of merely
 * scanning and decoding the open obligations. */
#define _GNU_SOURCE 1
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ast_asset.h"
#include "ldg_exec.h"
#include "ldg_hash.h"
#include "ldg_state.h"
#include "ldg_tx.h"
#include "net_node.h"
#include "stl_ledger.h"

#define BROKERS 200
#define ISINS 20
#define BLOCK 5000

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- sorted-array base (bytewise key order), merged with each block's writes ---- */
typedef struct row {
    uint8_t *key, *val;
    size_t klen, vlen;
} row;
typedef struct kv {
    row *rows;
    size_t n;
} kv;

static int keycmp(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
    int c = memcmp(a, b, al < bl ? al : bl);
    return c ? c : (al > bl) - (al < bl);
}

static size_t lower(const kv *m, const uint8_t *key, size_t klen)
{
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (keycmp(m->rows[mid].key, m->rows[mid].klen, key, klen) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static uint8_t *dup(const void *p, size_t n)
{
    uint8_t *d = malloc(n ? n : 1);
    LDG_ASSERT(d);
    if (n)
        memcpy(d, p, n);
    return d;
}

static ldg_err kv_get(void *arg, const uint8_t *key, size_t klen, uint8_t **val, size_t *vlen)
{
    kv *m = arg;
    size_t i = lower(m, key, klen);
    if (i == m->n || keycmp(m->rows[i].key, m->rows[i].klen, key, klen) != 0)
        return LDG_ERR_NOT_FOUND;
    *val = dup(m->rows[i].val, m->rows[i].vlen);
    *vlen = m->rows[i].vlen;
    return LDG_OK;
}

static ldg_err kv_scan(void *arg, const uint8_t *prefix, size_t plen,
                       bool (*fn)(void *, const uint8_t *, size_t, const uint8_t *, size_t),
                       void *fa)
{
    kv *m = arg;
    for (size_t i = lower(m, prefix, plen); i < m->n; i++) {
        if (m->rows[i].klen < plen || memcmp(m->rows[i].key, prefix, plen) != 0)
            break;
        if (!fn(fa, m->rows[i].key, m->rows[i].klen, m->rows[i].val, m->rows[i].vlen))
            break;
    }
    return LDG_OK;
}

static void kv_apply(kv *m, const ldg_write *w, size_t nw)
{
    row *out = malloc((m->n + nw + 1) * sizeof *out);
    LDG_ASSERT(out);
    size_t k = 0, i = 0, j = 0;
    while (i < m->n || j < nw) {
        int c = i == m->n ? 1
                : j == nw ? -1
                          : keycmp(m->rows[i].key, m->rows[i].klen, w[j].key, w[j].klen);
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
            out[k++] =
                (row){dup(w[j].key, w[j].klen), dup(w[j].val, w[j].vlen), w[j].klen, w[j].vlen};
        j++;
    }
    free(m->rows);
    m->rows = out, m->n = k;
}

/* ---- the world ---- */
static kv g_kv;
static ldg_state *g_st;
static ldg_registry *g_reg;
static ldg_env g_env = {.chain_id = "bench", .height = 1, .time_ms = 1700000000000ULL};
static ldg_keypair g_kp[BROKERS + 2];
static ldg_account g_acct[BROKERS + 2];
static uint64_t g_seq;

static void commit(void)
{
    const ldg_write *w;
    size_t n = ldg_state_writes(g_st, &w);
    kv_apply(&g_kv, w, n);
    ldg_state_reset(g_st);
    g_env.height++;
    g_env.time_ms += 1000;
}

static ldg_receipt tx(int who, uint64_t type, const ldg_enc *payload)
{
    size_t len;
    ldg_hash id;
    uint8_t *wire = ldg_tx_build(&len, &id, "bench", &(ldg_hash){{0}}, type, &g_kp[who],
                                 g_env.time_ms + 1000 + (g_seq++ % 1000000), ldg_enc_data(payload),
                                 ldg_enc_len(payload), true);
    LDG_ASSERT(wire);
    ldg_tx t;
    LDG_ASSERT(ldg_tx_decode(&t, wire, len) == LDG_R_OK);
    ldg_receipt rc;
    LDG_ASSERT(ldg_exec_tx(g_reg, g_st, &g_env, &t, 0, &rc) == LDG_OK);
    ldg_tx_free(&t);
    free(wire);
    return rc;
}

static uint64_t rid(const ldg_receipt *r)
{
    uint64_t id = 0;
    for (size_t i = 0; i < 8 && i < r->data_len; i++)
        id = id << 8 | r->data[i];
    return id;
}

typedef struct scan_ctx {
    size_t n;
    uint64_t cash;
} scan_ctx;

static bool scan_one(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    scan_ctx *s = arg;
    stl_obligation_rec o;
    LDG_ASSERT(stl_obligation_decode(k, kl, v, vl, &o) == LDG_OK);
    s->n++;
    s->cash += o.cash;
    return true;
}

int main(int argc, char **argv)
{
    const char *env = getenv("FOLIO_BENCH_TRADES");
    long trades = argc > 1 ? atol(argv[1]) : env && *env ? atol(env) : 100000;
    if (trades < 1 || trades > (long)(STL_CYCLE_OBLIGATIONS_MAX / 2)) {
        fprintf(stderr, "bench_cycle: trades must be 1..%d\n", STL_CYCLE_OBLIGATIONS_MAX / 2);
        return 2;
    }
    g_reg = net_registry_new();
    g_st = ldg_state_new((ldg_state_base){kv_get, kv_scan, &g_kv, NULL, NULL, NULL});
    /* 0 = ccp, 1 = clearing, 2.. = brokers */
    for (int i = 0; i < BROKERS + 2; i++) {
        uint8_t seed[8] = {'b', 'e', 'n', 'c', 'h', (uint8_t)i, (uint8_t)(i >> 8), 0};
        for (uint8_t salt = 0;; salt++) {
            seed[7] = salt;
            ldg_hash h;
            ldg_sha256(&h, seed, sizeof seed);
            if (ldg_keypair_from_secret(&g_kp[i], h.b) == LDG_OK)
                break;
        }
        ldg_account_of(&g_acct[i], &g_kp[i].pub);
        ldg_participant p = {.roles = i == 0   ? LDG_ROLE_CCP
                                      : i == 1 ? LDG_ROLE_CLEARING
                                               : LDG_ROLE_BROKER,
                             .pubkey = g_kp[i].pub,
                             .account = g_acct[i]};
        snprintf(p.name, sizeof p.name, "p%d", i);
        ldg_participant_put(g_st, &p);
    }
    char isin[ISINS][13];
    ast_asset cash = {.kind = AST_KIND_CASH, .scale = 2, .risk = 1};
    strcpy(cash.id, "CNY"), strcpy(cash.name, "CNY"), strcpy(cash.currency, "CNY");
    for (int k = 0; k < ISINS; k++) {
        snprintf(isin[k], 13, "XS%010d", k);
        ast_asset a = {.kind = AST_KIND_EQUITY, .risk = 1, .supply = (uint64_t)BROKERS * 10000000};
        strcpy(a.id, isin[k]), strcpy(a.name, isin[k]);
        ast_asset_put(g_st, &a);
        for (int b = 2; b < BROKERS + 2; b++)
            LDG_ASSERT(ast_credit(g_st, isin[k], &g_acct[b], 10000000) == LDG_R_OK);
    }
    cash.supply = (uint64_t)BROKERS * 100000000000ULL;
    ast_asset_put(g_st, &cash);
    for (int b = 2; b < BROKERS + 2; b++)
        LDG_ASSERT(ast_credit(g_st, "CNY", &g_acct[b], 100000000000ULL) == LDG_R_OK);
    commit();

    uint64_t rng = 0x5eed;
    double t0 = now_s();
    for (long i = 0; i < trades; i++) {
        rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
        int s = 2 + (int)((rng >> 33) % BROKERS), b;
        do {
            rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
            b = 2 + (int)((rng >> 33) % BROKERS);
        } while (b == s);
        ldg_enc e;
        ldg_enc_init(&e);
        ldg_enc_array(&e, 7);
        ldg_enc_str(&e, isin[(rng >> 20) % ISINS]);
        ldg_enc_u64(&e, STL_SIDE_SELL);
        ldg_enc_u64(&e, 1 + (rng >> 40) % 1000);
        ldg_enc_u64(&e, 100 + (rng >> 12) % 10000);
        ldg_enc_str(&e, "CNY");
        ldg_enc_bin(&e, g_acct[b].b, LDG_ACCOUNT_LEN);
        ldg_enc_str(&e, "");
        ldg_receipt r = tx(s, STL_TX_TRADE_SUBMIT, &e);
        LDG_ASSERT(r.code == LDG_R_OK);
        ldg_enc_reset(&e);
        ldg_enc_array(&e, 1);
        ldg_enc_u64(&e, rid(&r));
        r = tx(b, STL_TX_TRADE_AFFIRM, &e);
        LDG_ASSERT(r.code == LDG_R_OK);
        ldg_enc_free(&e);
        if ((i + 1) % (BLOCK / 2) == 0)
            commit();
    }
    commit();
    double t_trades = now_s() - t0;

    /* Baseline: scan and decode the open obligations. */
    t0 = now_s();
    scan_ctx sc = {0};
    uint8_t prefix = 'o';
    LDG_ASSERT(ldg_state_scan(g_st, &prefix, 1, SIZE_MAX, scan_one, &sc) == LDG_OK);
    double t_scan = now_s() - t0;
    ldg_state_reset(g_st);

    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 0);
    t0 = now_s();
    ldg_receipt r = tx(1, STL_TX_CYCLE_RUN, &e);
    double t_cycle = now_s() - t0;
    ldg_enc_free(&e);
    if (r.code != LDG_R_OK) {
        fprintf(stderr, "bench_cycle: cycle.run failed: %s %s\n", ldg_result_name(r.code),
                r.detail);
        return 1;
    }
    t0 = now_s();
    commit();
    double t_commit = now_s() - t0;
    prefix = 'o';
    scan_ctx left = {0};
    LDG_ASSERT(ldg_state_scan(g_st, &prefix, 1, SIZE_MAX, scan_one, &left) == LDG_OK);

    printf("bench_cycle: %ld trades, %zu obligations (%" PRIu64 " minor units gross), %d brokers, "
           "%d instruments\n",
           trades, sc.n, sc.cash, BROKERS, ISINS);
    printf("  submit+affirm through the executor: %.2f s (%.0f tx/s)\n", t_trades,
           2.0 * (double)trades / t_trades);
    printf("  baseline: scan + decode open obligations   %8.1f ms\n", t_scan * 1e3);
    printf("  cycle.run transaction (net, LSM, DvP)      %8.1f ms  (%.1fx baseline)  %s\n",
           t_cycle * 1e3, t_cycle / t_scan, r.detail);
    printf("  commit of the cycle's writes               %8.1f ms\n", t_commit * 1e3);
    printf("  open obligations after the cycle: %zu\n", left.n);
    return left.n == 0 ? 0 : 1;
}
