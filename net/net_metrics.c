/* /metrics (net_metrics.h). */
#include "net_metrics.h"
#include "chn.h"
#include "ldg_block.h"
#include "ldg_key.h"
#include "ldg_result.h"
#include "ldg_store.h"
#include "net_http_server.h"
#include "net_node.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CODES 1000 /* ldg_result codes are 0..999 (ldg_result.h) */

static const uint64_t bucket_ms[] = {10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000};
#define BUCKETS (sizeof bucket_ms / sizeof bucket_ms[0])

/* HTTP replies are counted per process: the HTTP layer does not say which node's server
 * replied. Everything about a chain is in its node's net_metrics. */
static _Atomic uint64_t http_by_status[600];

struct net_metrics {
    _Atomic uint64_t refusals[CODES];
    _Atomic uint64_t commit_buckets[BUCKETS + 1], commit_count, commit_sum_ms;
    _Atomic uint64_t certificates, in_certificate[LDG_VALIDATORS_MAX];
};

net_metrics *net_metrics_new(void)
{
    net_metrics *m = calloc(1, sizeof *m);
    LDG_ASSERT(m);
    return m;
}

void net_metrics_free(net_metrics *m)
{
    free(m);
}

#define ADD(x) atomic_fetch_add_explicit(&(x), 1, memory_order_relaxed)
#define GET(x) atomic_load_explicit(&(x), memory_order_relaxed)

void net_metrics_http(int status)
{
    if (status >= 100 && status < 600)
        ADD(http_by_status[status]);
}

void net_metrics_refusal(net_metrics *m, unsigned code)
{
    if (m && code < CODES)
        ADD(m->refusals[code]);
}

void net_metrics_commit(net_metrics *m, uint64_t ms)
{
    if (!m)
        return;
    size_t b = 0;
    while (b < BUCKETS && ms > bucket_ms[b])
        b++;
    ADD(m->commit_buckets[b]);
    ADD(m->commit_count);
    atomic_fetch_add_explicit(&m->commit_sum_ms, ms, memory_order_relaxed);
}

void net_metrics_certificate(net_metrics *m, const ldg_cert *c)
{
    if (!m)
        return;
    for (uint32_t i = 0; i < c->count && i < LDG_VALIDATORS_MAX; i++)
        if (c->sigs[i].validator < LDG_VALIDATORS_MAX)
            ADD(m->in_certificate[c->sigs[i].validator]);
    ADD(m->certificates);
}

/* ---- the exposition ---- */

typedef struct out {
    char *buf;
    size_t len, cap;
} out;

static void put(out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(out *o, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
        va_end(ap);
        LDG_ASSERT(n >= 0);
        if ((size_t)n < o->cap - o->len) {
            o->len += (size_t)n;
            return;
        }
        o->cap = o->cap * 2 + (size_t)n;
        o->buf = realloc(o->buf, o->cap);
        LDG_ASSERT(o->buf);
    }
}

static void gauge(out *o, const char *name, const char *help, double v)
{
    put(o, "# HELP %s %s\n# TYPE %s gauge\n%s %.17g\n", name, help, name, name, v);
}

static void counter(out *o, const char *name, const char *help, uint64_t v)
{
    put(o, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", name, help, name, name,
        (unsigned long long)v);
}

static void chain_metrics(out *o, net_node *n)
{
    ldg_tip tip = ldg_chain_tip(n->chain);
    gauge(o, "folio_height", "Height of the last committed block.", (double)tip.height);
    gauge(o, "folio_round", "Consensus round of the height being decided.",
          (double)atomic_load(&n->cons_round));
    gauge(o, "folio_mempool_transactions", "Transactions waiting for a block.",
          (double)net_pool_size(n->pool));
    ldg_pubkey *vals = malloc(LDG_VALIDATORS_MAX * sizeof *vals);
    LDG_ASSERT(vals);
    uint32_t nv = ldg_chain_validators(n->chain, vals, LDG_VALIDATORS_MAX);
    free(vals);
    gauge(o, "folio_validators", "Size of the validator set.", nv);
    put(o, "# HELP folio_validator_missed_precommits_total Blocks committed here whose "
           "certificate lacks the validator's precommit.\n"
           "# TYPE folio_validator_missed_precommits_total counter\n");
    uint64_t certs = n->metrics ? GET(n->metrics->certificates) : 0;
    for (uint32_t i = 0; i < nv && i < LDG_VALIDATORS_MAX; i++) {
        uint64_t in = n->metrics ? GET(n->metrics->in_certificate[i]) : 0;
        put(o, "folio_validator_missed_precommits_total{validator=\"%u\"} %llu\n", i,
            (unsigned long long)(certs > in ? certs - in : 0));
    }
    uint32_t seen = n->multi ? atomic_load(&n->cons_seen) : 1;
    gauge(o, "folio_validators_seen", "Validators heard from lately, this node included.", seen);
    gauge(o, "folio_peers", "Other validators heard from lately.",
          seen > 0 && (n->multi ? atomic_load(&n->cons_self) : n->validator_index) >= 0 ? seen - 1
                                                                                        : seen);
    gauge(o, "folio_behind", "1 while the node is catching up with the chain.",
          atomic_load(&n->behind) ? 1 : 0);
    counter(o, "folio_signature_verifications_total",
            "Schnorr signature verifications done by this process.", ldg_verify_count());
    ldg_sigcache_stats sc = ldg_sigcache_get_stats(ldg_chain_sigcache(n->chain));
    counter(o, "folio_sigcache_hits_total",
            "Certificate signatures found verified ahead of their block (chains.md 8.1).", sc.hits);
    counter(o, "folio_sigcache_misses_total",
            "Certificate signatures the executor verified inline.", sc.misses);
}

static void commit_histogram(out *o, net_metrics *m)
{
    put(o, "# HELP folio_commit_latency_seconds Time from a height's start to its commit.\n"
           "# TYPE folio_commit_latency_seconds histogram\n");
    uint64_t cum = 0;
    for (size_t b = 0; b < BUCKETS; b++) {
        cum += GET(m->commit_buckets[b]);
        put(o, "folio_commit_latency_seconds_bucket{le=\"%g\"} %llu\n", bucket_ms[b] / 1000.0,
            (unsigned long long)cum);
    }
    cum += GET(m->commit_buckets[BUCKETS]);
    put(o, "folio_commit_latency_seconds_bucket{le=\"+Inf\"} %llu\n", (unsigned long long)cum);
    put(o, "folio_commit_latency_seconds_sum %g\nfolio_commit_latency_seconds_count %llu\n",
        GET(m->commit_sum_ms) / 1000.0, (unsigned long long)GET(m->commit_count));
}

static void refusal_metrics(out *o, net_metrics *m)
{
    put(o, "# HELP folio_admission_refusals_total Client transactions refused by admission, "
           "by result code.\n# TYPE folio_admission_refusals_total counter\n");
    for (unsigned c = 0; c < CODES; c++) {
        uint64_t v = GET(m->refusals[c]);
        if (v)
            put(o, "folio_admission_refusals_total{code=\"%u\",name=\"%s\"} %llu\n", c,
                ldg_result_name((ldg_result)c), (unsigned long long)v);
    }
}

static void store_metrics(out *o, net_node *n)
{
    static const char *const cfs[LDG_CF_COUNT] = {"meta", "state", "blocks",
                                                  "txs",  "tree",  "index"};
    put(o, "# HELP folio_store_bytes RocksDB size by column family: table files (sst) and "
           "memtables (mem).\n# TYPE folio_store_bytes gauge\n");
    ldg_store *s = ldg_chain_store(n->chain);
    for (int cf = 0; cf < LDG_CF_COUNT; cf++) {
        uint64_t sst, mem;
        ldg_store_sizes(s, (ldg_cf)cf, &sst, &mem);
        put(o, "folio_store_bytes{cf=\"%s\",kind=\"sst\"} %llu\n", cfs[cf],
            (unsigned long long)sst);
        put(o, "folio_store_bytes{cf=\"%s\",kind=\"mem\"} %llu\n", cfs[cf],
            (unsigned long long)mem);
    }
}

static void http_metrics(out *o, net_node *n)
{
    put(o, "# HELP folio_http_responses_total HTTP replies by status.\n"
           "# TYPE folio_http_responses_total counter\n");
    for (int s = 100; s < 600; s++) {
        uint64_t v = GET(http_by_status[s]);
        if (v)
            put(o, "folio_http_responses_total{status=\"%d\"} %llu\n", s, (unsigned long long)v);
    }
    if (!n->http)
        return;
    net_http_server_stats st;
    net_http_server_stats_get(n->http, &st);
    gauge(o, "folio_http_connections", "HTTP connections open.", (double)st.open);
    gauge(o, "folio_http_subscribers", "Event streams open.", (double)st.subscribers);
    counter(o, "folio_http_timeouts_total", "HTTP connections closed for slowness.", st.timed_out);
    counter(o, "folio_http_evictions_total", "HTTP connections closed at the connection cap.",
            st.evicted);
}

/* Per sub-chain (specs/chains.md): the age of its last anchor by main-chain block time (the
 * tip's time minus the time of the block that took its last checkpoint, or that created it),
 * its last anchored sub-chain height, and its status as a state set (1 for the status it
 * has, 0 for the others). At most CHN_METRICS_ROWS_MAX sub-chains, in id order. */
typedef struct sub_row_ {
    char id[CHN_ID_LEN_MAX + 1];
    uint64_t status, last_height, anchored_ms;
} sub_row_;

typedef struct sub_rows {
    chn_record *tmp; /* one decoded record (large: two validator sets) */
    sub_row_ *rows;
    size_t n;
    bool bad;
} sub_rows;

static bool sub_row(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    sub_rows *s = arg;
    char id[CHN_ID_LEN_MAX + 1] = {0};
    if (kl != CHN_KEY_RECORD_LEN)
        return true;
    memcpy(id, k + 2, CHN_ID_LEN_MAX);
    if (!chn_id_valid(id) || !chn_record_decode(s->tmp, id, v, vl)) {
        s->bad = true;
        return true;
    }
    sub_row_ *r = &s->rows[s->n];
    memcpy(r->id, id, sizeof r->id);
    r->status = s->tmp->status;
    r->last_height = s->tmp->last_height;
    r->anchored_ms = s->tmp->anchored_ms;
    return ++s->n < CHN_METRICS_ROWS_MAX;
}

static void subchain_metrics(out *o, net_node *n)
{
    static const uint8_t prefix[2] = {CHN_KEY_NS, CHN_KEY_RECORD};
    sub_rows s = {malloc(sizeof *s.tmp), malloc(CHN_METRICS_ROWS_MAX * sizeof *s.rows), 0, false};
    LDG_ASSERT(s.tmp && s.rows);
    ldg_state *st = ldg_chain_reader(n->chain);
    ldg_err err = ldg_state_scan(st, prefix, sizeof prefix, SIZE_MAX, sub_row, &s);
    ldg_state_free(st);
    free(s.tmp);
    uint64_t tip_ms = ldg_chain_tip(n->chain).time_ms;
    gauge(o, "folio_subchains_unreadable",
          "1 when a record of the sub-chain registry could not be read.",
          err == LDG_OK && !s.bad ? 0 : 1);
    put(o, "# HELP folio_subchain_anchor_age_seconds Main-chain block time since the sub-chain's "
           "last anchor (its creation when none yet).\n"
           "# TYPE folio_subchain_anchor_age_seconds gauge\n");
    for (size_t i = 0; i < s.n; i++)
        put(o, "folio_subchain_anchor_age_seconds{chain=\"%s\"} %.3f\n", s.rows[i].id,
            tip_ms > s.rows[i].anchored_ms ? (double)(tip_ms - s.rows[i].anchored_ms) / 1000.0
                                           : 0.0);
    put(o, "# HELP folio_subchain_anchored_height Sub-chain height of the last checkpoint "
           "accepted (0: none yet).\n# TYPE folio_subchain_anchored_height gauge\n");
    for (size_t i = 0; i < s.n; i++)
        put(o, "folio_subchain_anchored_height{chain=\"%s\"} %llu\n", s.rows[i].id,
            (unsigned long long)s.rows[i].last_height);
    put(o, "# HELP folio_subchain_status The sub-chain's status: 1 for the one it has.\n"
           "# TYPE folio_subchain_status gauge\n");
    for (size_t i = 0; i < s.n; i++)
        for (uint64_t v = CHN_ACTIVE; v <= CHN_PAUSED; v++)
            put(o, "folio_subchain_status{chain=\"%s\",status=\"%s\"} %d\n", s.rows[i].id,
                chn_status_name(v), s.rows[i].status == v ? 1 : 0);
    free(s.rows);
}

/* The evidence sync thread (net_evsync.c): its passes and what they did. */
static void evidence_metrics(out *o, net_node *n)
{
    counter(o, "folio_evidence_sync_passes_total", "Evidence sync passes run by this node.",
            atomic_load(&n->ev_passes));
    counter(o, "folio_evidence_sync_copied_total",
            "Slices copied, verified and attested from other members' stores.",
            atomic_load(&n->ev_copied));
    counter(o, "folio_evidence_sync_refused_total",
            "Copies refused: they do not match their anchors (SLICE_MISMATCH).",
            atomic_load(&n->ev_refused));
    counter(o, "folio_evidence_sync_failed_total",
            "Slices or mirrors not reached, not yet anchored here, or not attested in time.",
            atomic_load(&n->ev_failed));
    counter(o, "folio_evidence_sync_purged_total",
            "Slices whose lines the retention period deleted.", atomic_load(&n->ev_purged));
    counter(o, "folio_evidence_sync_listed_total",
            "Slice roots the mirrors' indexes gave past where the last pass stopped.",
            atomic_load(&n->ev_listed));
    counter(o, "folio_evidence_sync_index_pages_total",
            "Index pages read from the mirrors (at most LDG_EV_SYNC_PAGES_MAX a mirror a pass).",
            atomic_load(&n->ev_pages));
    gauge(o, "folio_evidence_sync_pending", "Slices waiting to be retried after the last pass.",
          (double)atomic_load(&n->ev_pending));
    gauge(o, "folio_evidence_sync_last_pass_ms",
          "When the last sync pass ended (Unix ms; 0: none).",
          (double)atomic_load(&n->ev_last_pass_ms));
}

char *net_metrics_text(net_node *n)
{
    out o = {malloc(8192), 0, 8192};
    LDG_ASSERT(o.buf);
    chain_metrics(&o, n);
    /* A node assembled by hand (the tests' kits) may have no counters of its own. */
    net_metrics *none = n->metrics ? NULL : net_metrics_new();
    net_metrics *m = n->metrics ? n->metrics : none;
    commit_histogram(&o, m);
    refusal_metrics(&o, m);
    store_metrics(&o, n);
    http_metrics(&o, n);
    subchain_metrics(&o, n);
    evidence_metrics(&o, n);
    net_metrics_free(none);
    return o.buf;
}
