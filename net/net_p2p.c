#include "net_p2p.h"
#include "net_log.h"
#include "net_tls.h"

#include <nng/supplemental/tls/tls.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void net_p2p_enc_cons(ldg_enc *e, const net_cons_msg *m, const ldg_header *h,
                      const ldg_hash *digests, uint32_t n)
{
    ldg_enc_array(e, 11);
    ldg_enc_u64(e, NET_P2P_CONS);
    ldg_enc_u64(e, m->type);
    ldg_enc_bool(e, m->has_block);
    ldg_enc_u64(e, m->validator);
    ldg_enc_u64(e, m->round);
    ldg_enc_i64(e, m->valid_round);
    ldg_enc_u64(e, m->height);
    ldg_enc_bin(e, m->block.b, NET_CONS_BLOCK_ID_LEN);
    ldg_enc_bin(e, m->sig, NET_CONS_SIG_LEN);
    if (h) {
        ldg_enc he;
        ldg_enc_init(&he);
        ldg_header_encode(&he, h);
        ldg_enc_bin(e, ldg_enc_data(&he), ldg_enc_len(&he));
        ldg_enc_free(&he);
        ldg_enc_array(e, n);
        for (uint32_t i = 0; i < n; i++)
            ldg_enc_bin(e, digests[i].b, LDG_HASH_LEN);
    } else {
        ldg_enc_nil(e);
        ldg_enc_nil(e);
    }
}

void net_p2p_enc_batch(ldg_enc *e, uint64_t origin, const uint8_t *const *txs, const size_t *lens,
                       uint32_t n)
{
    ldg_enc_array(e, 3);
    ldg_enc_u64(e, NET_P2P_BATCH);
    ldg_enc_u64(e, origin);
    ldg_enc_array(e, n);
    for (uint32_t i = 0; i < n; i++)
        ldg_enc_bin(e, txs[i], lens[i]);
}

void net_p2p_batch_digest(ldg_hash *out, const ldg_tx_ref *refs, size_t n)
{
    /* Hashed as laid out: id || sig per transaction (ldg_tx.h). */
    ldg_tagged_hash(out, NET_P2P_TAG_BATCH, refs, n * sizeof *refs);
}

void net_p2p_enc_batch_req(ldg_enc *e, const ldg_hash *digest)
{
    ldg_enc_array(e, 2);
    ldg_enc_u64(e, NET_P2P_BATCH_REQ);
    ldg_enc_bin(e, digest->b, LDG_HASH_LEN);
}

void net_p2p_enc_batch_rep(ldg_enc *e, const ldg_hash *digest, const uint8_t *const *txs,
                           const size_t *lens, uint32_t n)
{
    ldg_enc_array(e, 3);
    ldg_enc_u64(e, NET_P2P_BATCH_REP);
    ldg_enc_bin(e, digest->b, LDG_HASH_LEN);
    ldg_enc_array(e, n);
    for (uint32_t i = 0; i < n; i++)
        ldg_enc_bin(e, txs[i], lens[i]);
}

void net_p2p_enc_sync_req(ldg_enc *e, uint64_t from_height, uint64_t max_blocks)
{
    ldg_enc_array(e, 3);
    ldg_enc_u64(e, NET_P2P_SYNC_REQ);
    ldg_enc_u64(e, from_height);
    ldg_enc_u64(e, max_blocks);
}

void net_p2p_enc_sync_rep_head(ldg_enc *e, uint64_t tip_height, uint32_t rec_count)
{
    ldg_enc_array(e, 3);
    ldg_enc_u64(e, NET_P2P_SYNC_REP);
    ldg_enc_u64(e, tip_height);
    ldg_enc_array(e, rec_count);
}

void net_p2p_enc_commit(ldg_enc *e, const uint8_t *rec, size_t len)
{
    ldg_enc_array(e, 2);
    ldg_enc_u64(e, NET_P2P_COMMIT);
    ldg_enc_bin(e, rec, len);
}

void net_p2p_msg_free(net_p2p_msg *m)
{
    if (m->dec_live)
        ldg_dec_free(&m->dec);
    free(m->txs);
    free(m->tx_lens);
    free(m->digests);
    free(m->recs);
    free(m->rec_lens);
    memset(m, 0, sizeof *m);
}

/* A list of binaries, each at most item_max, in total at most total_max. */
static bool bins(const msgpack_object *o, uint32_t count_max, size_t item_max, size_t total_max,
                 const uint8_t ***out, size_t **lens, uint32_t *n)
{
    const msgpack_object *items;
    if (!ldg_obj_array_any(o, count_max, &items, n))
        return false;
    *out = calloc(*n ? *n : 1, sizeof **out);
    *lens = calloc(*n ? *n : 1, sizeof **lens);
    LDG_ASSERT(*out && *lens);
    size_t total = 0;
    for (uint32_t i = 0; i < *n; i++) {
        if (!ldg_obj_bin_ref(&items[i], item_max, &(*out)[i], &(*lens)[i]) || (*lens)[i] == 0)
            return false;
        total += (*lens)[i];
        if (total > total_max)
            return false;
    }
    return true;
}

static bool dec_cons(net_p2p_msg *m, const msgpack_object *f, uint32_t n)
{
    uint64_t type, validator, round, height;
    int64_t vr;
    net_cons_msg *c = &m->cons;
    if (n != 11 || !ldg_obj_u64(&f[1], &type) || type < NET_CONS_PROPOSAL ||
        type > NET_CONS_PRECOMMIT || !ldg_obj_bool(&f[2], &c->has_block) ||
        !ldg_obj_u64(&f[3], &validator) || validator >= NET_CONS_VALIDATORS_MAX ||
        !ldg_obj_u64(&f[4], &round) || round > NET_CONS_ROUND_MAX || !ldg_obj_i64(&f[5], &vr) ||
        vr < -1 || vr >= (int64_t)round || !ldg_obj_u64(&f[6], &height) || height == 0 ||
        !ldg_obj_bin(&f[7], c->block.b, NET_CONS_BLOCK_ID_LEN) ||
        !ldg_obj_bin(&f[8], c->sig, NET_CONS_SIG_LEN))
        return false;
    c->type = (uint8_t)type;
    c->validator = (uint16_t)validator;
    c->round = (uint32_t)round;
    c->valid_round = (int32_t)vr;
    c->height = height;
    if (type != NET_CONS_PROPOSAL && vr != -1)
        return false;
    if (type == NET_CONS_PROPOSAL && !c->has_block)
        return false;
    if (!c->has_block) {
        static const net_cons_block_id zero;
        if (memcmp(c->block.b, zero.b, sizeof zero.b) != 0)
            return false;
    }
    if (f[9].type == MSGPACK_OBJECT_NIL && f[10].type == MSGPACK_OBJECT_NIL)
        return true;
    if (type != NET_CONS_PROPOSAL)
        return false; /* only proposals carry blocks */
    size_t *dl = NULL;
    bool ok = ldg_obj_bin_ref(&f[9], 4096, &m->header_bytes, &m->header_len) &&
              ldg_header_decode(&m->header, m->header_bytes, m->header_len) == LDG_OK &&
              m->header.height == height &&
              bins(&f[10], NET_P2P_DIGESTS_MAX, LDG_HASH_LEN, NET_P2P_DIGESTS_MAX * LDG_HASH_LEN,
                   &m->digests, &dl, &m->digest_count) &&
              m->digest_count <= m->header.tx_count;
    for (uint32_t i = 0; ok && i < m->digest_count; i++)
        ok = dl[i] == LDG_HASH_LEN;
    free(dl);
    if (!ok)
        return false;
    ldg_hash hh;
    ldg_header_hash(&hh, &m->header);
    if (memcmp(hh.b, c->block.b, LDG_HASH_LEN) != 0)
        return false;
    m->has_block = true;
    return true;
}

ldg_err net_p2p_decode(net_p2p_msg *out, const uint8_t *data, size_t len, size_t max)
{
    memset(out, 0, sizeof *out);
    if (len > max)
        return LDG_ERR_TOO_LARGE;
    if (ldg_decode(&out->dec, data, len) != LDG_OK)
        return LDG_ERR_DECODE;
    out->dec_live = true;
    const msgpack_object *f;
    uint32_t n;
    uint64_t kind;
    bool ok = ldg_obj_array_any(out->dec.root, 16, &f, &n) && n >= 2 && ldg_obj_u64(&f[0], &kind);
    if (ok) {
        out->kind = (uint8_t)kind;
        switch (kind) {
        case NET_P2P_CONS:
            ok = dec_cons(out, f, n);
            break;
        case NET_P2P_BATCH:
            ok = n == 3 && ldg_obj_u64(&f[1], &out->origin) &&
                 bins(&f[2], NET_P2P_BATCH_TX_MAX, LDG_TX_SIZE_MAX, NET_P2P_BATCH_SIZE_MAX,
                      &out->txs, &out->tx_lens, &out->tx_count);
            break;
        case NET_P2P_SYNC_REQ:
            ok = n == 3 && ldg_obj_u64(&f[1], &out->from_height) &&
                 ldg_obj_u64(&f[2], &out->max_blocks) && out->from_height > 0 &&
                 out->max_blocks > 0 && out->max_blocks <= NET_P2P_SYNC_BLOCKS_MAX;
            break;
        case NET_P2P_SYNC_REP:
            ok = n == 3 && ldg_obj_u64(&f[1], &out->tip_height) &&
                 bins(&f[2], NET_P2P_SYNC_BLOCKS_MAX, NET_P2P_RECORD_SIZE_MAX,
                      NET_P2P_SYNC_SIZE_MAX, &out->recs, &out->rec_lens, &out->rec_count);
            break;
        case NET_P2P_BATCH_REQ:
            ok = n == 2 && ldg_obj_bin(&f[1], out->digest.b, LDG_HASH_LEN);
            break;
        case NET_P2P_BATCH_REP:
            ok = n == 3 && ldg_obj_bin(&f[1], out->digest.b, LDG_HASH_LEN) &&
                 bins(&f[2], NET_P2P_BATCH_TX_MAX, LDG_TX_SIZE_MAX, NET_P2P_BATCH_SIZE_MAX,
                      &out->txs, &out->tx_lens, &out->tx_count);
            break;
        case NET_P2P_COMMIT:
            out->rec_count = 1;
            out->recs = calloc(1, sizeof *out->recs);
            out->rec_lens = calloc(1, sizeof *out->rec_lens);
            LDG_ASSERT(out->recs && out->rec_lens);
            ok = n == 2 &&
                 ldg_obj_bin_ref(&f[1], NET_P2P_RECORD_SIZE_MAX, &out->recs[0], &out->rec_lens[0]);
            break;
        default:
            ok = false;
        }
    }
    if (!ok) {
        net_p2p_msg_free(out);
        return LDG_ERR_DECODE;
    }
    return LDG_OK;
}

/* ---- sockets ---- */

static bool split(const char *base, char *host, size_t hlen, long *port)
{
    const char *colon = strrchr(base, ':');
    if (!colon || colon == base || (size_t)(colon - base) >= hlen)
        return false;
    memcpy(host, base, (size_t)(colon - base));
    host[colon - base] = '\0';
    char *end;
    *port = strtol(colon + 1, &end, 10);
    return *end == '\0' && *port > 0 && *port < 65536 - 8;
}

bool net_p2p_url(char *out, size_t len, const char *base, int off, bool tls)
{
    char host[256];
    long port;
    if (!split(base, host, sizeof host, &port))
        return false;
    snprintf(out, len, "%s://%s:%ld", tls ? "tls+tcp" : "tcp", host, port + off);
    return true;
}

void net_p2p_host(char *out, size_t len, const char *base)
{
    long port;
    if (!split(base, out, len, &port))
        snprintf(out, len, "%s", base);
}

int net_p2p_listen(nng_socket s, const char *base, int off, const net_p2p_tls *tls, char *err,
                   size_t err_len)
{
    char url[300];
    if (!net_p2p_url(url, sizeof url, base, off, tls->on)) {
        snprintf(err, err_len, "bad p2p address '%s' (want HOST:PORT)", base);
        return NNG_EINVAL;
    }
    nng_listener l;
    int rv = nng_listener_create(&l, s, url);
    if (rv == 0 && tls->on) {
        nng_tls_config *cfg;
        rv = net_tls_nng_config(&cfg, true, tls->ca, tls->cert, tls->key, NULL, err, err_len);
        if (rv != 0)
            return rv;
        rv = nng_listener_set_ptr(l, NNG_OPT_TLS_CONFIG, cfg);
        nng_tls_config_free(cfg); /* the listener holds its own reference */
    }
    if (rv == 0)
        rv = nng_listener_start(l, 0);
    if (rv != 0)
        snprintf(err, err_len, "cannot listen on %s: %s", url, nng_strerror(rv));
    return rv;
}

int net_p2p_dial(nng_socket s, const char *base, int off, const net_p2p_tls *tls, char *err,
                 size_t err_len)
{
    char url[300], host[256];
    if (!net_p2p_url(url, sizeof url, base, off, tls->on)) {
        snprintf(err, err_len, "bad p2p address '%s' (want HOST:PORT)", base);
        return NNG_EINVAL;
    }
    net_p2p_host(host, sizeof host, base);
    nng_dialer d;
    int rv = nng_dialer_create(&d, s, url);
    if (rv == 0 && tls->on) {
        nng_tls_config *cfg;
        rv = net_tls_nng_config(&cfg, false, tls->ca, tls->cert, tls->key, host, err, err_len);
        if (rv != 0)
            return rv;
        rv = nng_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, cfg);
        nng_tls_config_free(cfg);
    }
    if (rv == 0) {
        nng_dialer_set_ms(d, NNG_OPT_RECONNMINT, 50);
        nng_dialer_set_ms(d, NNG_OPT_RECONNMAXT, 1000);
        rv = nng_dialer_start(d, NNG_FLAG_NONBLOCK);
    }
    if (rv != 0)
        snprintf(err, err_len, "cannot dial %s: %s", url, nng_strerror(rv));
    return rv;
}

/* ---- who is at the other end ---- */

typedef struct watch {
    struct net_p2p_peers *pp;
    net_p2p_admit admit;
} watch;

typedef struct peer_ent {
    uint32_t pipe; /* 0: free */
    bool validator_cert;
    bool consensus; /* on the consensus socket (NET_P2P_ADMIT_VALIDATOR) */
    ldg_pubkey key; /* the validator key its certificate names, if validator_cert */
    char cn[NET_TLS_NAME_MAX + 1];
} peer_ent;

struct net_p2p_peers {
    bool tls;
    char revoked[NET_PATH_MAX];
    ldg_chain *chain;
    pthread_mutex_t lock;
    peer_ent ents[NET_P2P_PEERS_MAX];
    /* A validator set and the heights [vals_from, vals_until) it certifies, as the state at
     * tip vals_tip knew; reloaded when the tip moves or another height is asked. */
    uint64_t vals_tip, vals_from, vals_until;
    bool vals_loaded;
    uint32_t nval;
    ldg_pubkey vals[LDG_VALIDATORS_MAX];
    /* What the log last said of each validator's consensus connections (by index). */
    uint8_t link_state[LDG_VALIDATORS_MAX]; /* LINK_NEVER, LINK_UP, LINK_LOST */
    uint64_t lost_ms[LDG_VALIDATORS_MAX];
    watch watches[2]; /* the callbacks' arguments, by net_p2p_admit */
};

net_p2p_peers *net_p2p_peers_new(bool tls, const char *revoked_path, ldg_chain *chain)
{
    net_p2p_peers *pp = calloc(1, sizeof *pp);
    LDG_ASSERT(pp);
    pp->tls = tls;
    snprintf(pp->revoked, sizeof pp->revoked, "%s", revoked_path ? revoked_path : "");
    pp->chain = chain;
    for (int i = 0; i < 2; i++)
        pp->watches[i] = (watch){pp, (net_p2p_admit)i};
    pthread_mutex_init(&pp->lock, NULL);
    return pp;
}

void net_p2p_peers_free(net_p2p_peers *pp)
{
    if (!pp)
        return;
    pthread_mutex_destroy(&pp->lock);
    free(pp);
}

/* A validator's certificate: OU validator and CN its key as 64 lower-case hex digits. */
static bool validator_key_of(const net_tls_peer *id, ldg_pubkey *key)
{
    if (strcmp(id->role, NET_TLS_ROLE_VALIDATOR) != 0 || strlen(id->cn) != 2 * LDG_PUBKEY_LEN)
        return false;
    for (const char *c = id->cn; *c; c++)
        if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f')))
            return false;
    return ldg_hex_decode(key->b, LDG_PUBKEY_LEN, id->cn) == 0;
}

/* Why connection p is refused, or NULL to admit it (its identity then in *e). */
static const char *admit_pipe(net_p2p_peers *pp, nng_pipe p, net_p2p_admit admit, peer_ent *e)
{
    net_tls_peer id;
    if (!net_tls_pipe_peer((uint32_t)nng_pipe_id(p), &id))
        return "its certificate cannot be read";
    if (pp->revoked[0] && net_tls_revoked(pp->revoked, id.fp))
        return "its certificate is revoked";
    bool is_val = strcmp(id.role, NET_TLS_ROLE_VALIDATOR) == 0;
    if (!is_val && strcmp(id.role, NET_TLS_ROLE_OBSERVER) != 0)
        return "its certificate names no role (OU validator or observer)";
    if (!id.cn[0])
        return "its certificate names no node (CN)";
    if (is_val && !validator_key_of(&id, &e->key))
        return "its validator certificate does not name a validator key (CN)";
    if (admit == NET_P2P_ADMIT_VALIDATOR && !is_val)
        return "only validators may connect to the consensus socket";
    e->pipe = (uint32_t)nng_pipe_id(p);
    e->validator_cert = is_val;
    snprintf(e->cn, sizeof e->cn, "%s", id.cn);
    return NULL;
}

enum { LINK_NEVER, LINK_UP, LINK_LOST };

/* The set that certifies block h (0: the block after the tip), cached by height: the set
 * changes at heights governance recorded (ldg_valset.h). */
static void load_vals_at_locked(net_p2p_peers *pp, uint64_t h)
{
    uint64_t tip = ldg_chain_tip(pp->chain).height;
    if (h == 0)
        h = tip + 1;
    if (!pp->vals_loaded || tip != pp->vals_tip || h < pp->vals_from || h >= pp->vals_until) {
        pp->vals_from = 0;
        pp->vals_until = 0; /* a failed read holds for this height only */
        pp->nval = ldg_chain_validators_range(pp->chain, h, pp->vals, LDG_VALIDATORS_MAX,
                                              &pp->vals_from, &pp->vals_until);
        if (pp->nval == 0)
            pp->vals_from = h, pp->vals_until = h + 1;
        pp->vals_tip = tip;
        pp->vals_loaded = true;
    }
}

static void load_vals_locked(net_p2p_peers *pp)
{
    load_vals_at_locked(pp, 0);
}

static uint64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Says in the log when a validator's first consensus connection opens (connected, or
 * regained after a loss) and when its last one closes (lost), naming it by index and key
 * prefix (specs/home.md §6). Lock held; e is the entry added or removed, `open` the
 * validator's consensus connections after the change. */
static void log_validator_link(net_p2p_peers *pp, const peer_ent *e, size_t open)
{
    if (!e->consensus || !e->validator_cert || (open != 0 && open != 1))
        return;
    load_vals_locked(pp);
    int v = -1;
    for (uint32_t i = 0; i < pp->nval && v < 0; i++)
        if (memcmp(pp->vals[i].b, e->key.b, LDG_PUBKEY_LEN) == 0)
            v = (int)i;
    if (v < 0)
        return;
    char prefix[9];
    ldg_hex_encode(prefix, e->key.b, 4);
    uint8_t *st = &pp->link_state[v];
    if (open == 0 && *st == LINK_UP) {
        *st = LINK_LOST;
        pp->lost_ms[v] = wall_ms();
        net_log(NET_LOG_WARN, "validator %d (key %s...) lost: its consensus connection closed", v,
                prefix);
    } else if (open == 1 && *st != LINK_UP) {
        if (*st == LINK_LOST)
            net_log(NET_LOG_INFO,
                    "validator %d (key %s...) regained: connected again after %llu ms", v, prefix,
                    (unsigned long long)(wall_ms() - pp->lost_ms[v]));
        else
            net_log(NET_LOG_INFO, "validator %d (key %s...) connected", v, prefix);
        *st = LINK_UP;
    }
}

static size_t consensus_links_locked(const net_p2p_peers *pp, const ldg_pubkey *key)
{
    size_t n = 0;
    for (size_t i = 0; i < NET_P2P_PEERS_MAX; i++)
        n += pp->ents[i].pipe && pp->ents[i].consensus && pp->ents[i].validator_cert &&
             memcmp(pp->ents[i].key.b, key->b, LDG_PUBKEY_LEN) == 0;
    return n;
}

static void on_pipe_tagged(nng_pipe p, nng_pipe_ev ev, void *arg);

/* nng's threads serve every chain of the process: the log lines of this chain's callback
 * carry its tag (net_log.h). */
static void on_pipe(nng_pipe p, nng_pipe_ev ev, void *arg)
{
    watch *w = arg;
    net_log_set_tag(w->pp->chain ? ldg_chain_id(w->pp->chain) : "");
    on_pipe_tagged(p, ev, arg);
    net_log_set_tag("");
}

static void on_pipe_tagged(nng_pipe p, nng_pipe_ev ev, void *arg)
{
    watch *w = arg;
    net_p2p_peers *pp = w->pp;
    uint32_t id = (uint32_t)nng_pipe_id(p);
    pthread_mutex_lock(&pp->lock);
    if (ev == NNG_PIPE_EV_REM_POST) {
        for (size_t i = 0; i < NET_P2P_PEERS_MAX; i++)
            if (pp->ents[i].pipe == id) {
                pp->ents[i].pipe = 0;
                log_validator_link(pp, &pp->ents[i], consensus_links_locked(pp, &pp->ents[i].key));
            }
        pthread_mutex_unlock(&pp->lock);
        return;
    }
    peer_ent e = {0};
    const char *why = admit_pipe(pp, p, w->admit, &e);
    size_t slot = NET_P2P_PEERS_MAX;
    for (size_t i = 0; !why && i < NET_P2P_PEERS_MAX && slot == NET_P2P_PEERS_MAX; i++)
        if (pp->ents[i].pipe == 0)
            slot = i;
    if (!why && slot == NET_P2P_PEERS_MAX)
        why = "too many connections";
    if (!why) {
        e.consensus = w->admit == NET_P2P_ADMIT_VALIDATOR;
        pp->ents[slot] = e;
        log_validator_link(pp, &e, consensus_links_locked(pp, &e.key));
    }
    pthread_mutex_unlock(&pp->lock);
    if (why) {
        net_log(NET_LOG_WARN, "p2p connection refused: %s", why);
        nng_pipe_close(p);
    }
}

int net_p2p_peers_watch(net_p2p_peers *pp, nng_socket s, net_p2p_admit admit)
{
    if (!pp->tls)
        return 0;
    watch *w = &pp->watches[admit];
    int rv = nng_pipe_notify(s, NNG_PIPE_EV_ADD_PRE, on_pipe, w);
    return rv ? rv : nng_pipe_notify(s, NNG_PIPE_EV_REM_POST, on_pipe, w);
}

/* The index in the validator set of height h (0: the next block) of the validator
 * connection p speaks for, or -1. Lock held. */
static int validator_index_locked(net_p2p_peers *pp, nng_pipe p, uint64_t h)
{
    load_vals_at_locked(pp, h);
    uint32_t id = (uint32_t)nng_pipe_id(p);
    for (size_t i = 0; i < NET_P2P_PEERS_MAX; i++) {
        const peer_ent *e = &pp->ents[i];
        if (e->pipe != id)
            continue;
        if (!e->validator_cert)
            return -1;
        for (uint32_t v = 0; v < pp->nval; v++)
            if (memcmp(pp->vals[v].b, e->key.b, LDG_PUBKEY_LEN) == 0)
                return (int)v;
        return -1;
    }
    return -1; /* not admitted (or already gone) */
}

net_p2p_verdict net_p2p_check_cons(net_p2p_peers *pp, nng_pipe p, const net_cons_msg *m, char *why,
                                   size_t why_len)
{
    if (!pp || !pp->tls)
        return NET_P2P_OK;
    /* Checked against the set of the message's height, as its index is; a height beyond
     * what this node can know yet is checked against the next block's set. */
    uint64_t tip = ldg_chain_tip(pp->chain).height;
    uint64_t h = m->height >= 1 && m->height <= tip + LDG_VALSET_LEAD ? m->height : 0;
    pthread_mutex_lock(&pp->lock);
    int v = validator_index_locked(pp, p, h);
    pthread_mutex_unlock(&pp->lock);
    if (v < 0) {
        snprintf(why, why_len, "a consensus message from a peer that is not a current validator");
        return NET_P2P_REFUSE;
    }
    if (m->validator == (uint32_t)v)
        return NET_P2P_OK;
    if (m->type == NET_CONS_PROPOSAL) {
        snprintf(why, why_len, "validator %d sent a proposal in the name of validator %u", v,
                 m->validator);
        return NET_P2P_REFUSE;
    }
    return NET_P2P_RELAYED;
}

net_p2p_verdict net_p2p_check_batch(net_p2p_peers *pp, nng_pipe p, uint64_t origin, char *why,
                                    size_t why_len)
{
    if (!pp || !pp->tls)
        return NET_P2P_OK;
    /* A node names itself by its index in the set of the height it is at, which may be a
     * block or two off ours: around a change of the set either index is its own. */
    uint64_t tip = ldg_chain_tip(pp->chain).height;
    pthread_mutex_lock(&pp->lock);
    int v = validator_index_locked(pp, p, tip + 1);
    int v2 = validator_index_locked(pp, p, tip + 3);
    int v0 = validator_index_locked(pp, p, tip > 0 ? tip : 1);
    pthread_mutex_unlock(&pp->lock);
    if (v < 0 && v2 >= 0)
        v = v2;
    if (v < 0 && v0 >= 0)
        v = v0;
    if (v < 0)
        return NET_P2P_FORWARD;
    if (origin != (uint64_t)v && origin != (uint64_t)v2 && origin != (uint64_t)v0) {
        snprintf(why, why_len, "validator %d sent a batch in the name of node %llu", v,
                 (unsigned long long)origin);
        return NET_P2P_REFUSE;
    }
    return NET_P2P_OK;
}

void net_p2p_log(const char *fmt, ...)
{
    static _Atomic uint64_t window, count;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t now = (uint64_t)ts.tv_sec;
    if (atomic_exchange(&window, now) != now)
        atomic_store(&count, 0);
    if (atomic_fetch_add(&count, 1) >= 5)
        return;
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    net_log(NET_LOG_WARN, "p2p: %s", buf);
}
