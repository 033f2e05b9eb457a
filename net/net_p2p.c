#include "net_p2p.h"
#include "net_tls.h"

#include <nng/supplemental/tls/tls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
