/* Offline evidence bundles (specs/evidence.md §6): built by the prover, verified with the
 * genesis document alone. Every byte of a bundle is hostile. */
#include "ldg_block.h"
#include "ldg_chain.h"
#include "ldg_ev.h"
#include "ldg_tx.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define BUNDLE_MAGIC "folio/ev-bundle"

const char *ldg_ev_verr_name(ldg_ev_verr e)
{
    static const char *const names[] = {"OK",
                                        "BUNDLE_FORMAT",
                                        "WRONG_CHAIN",
                                        "ANCHOR_TX",
                                        "ANCHOR_NOT_IN_BLOCK",
                                        "CERTIFICATE",
                                        "LOG_PATH",
                                        "RECORD",
                                        "PAYLOAD",
                                        "SUBJECT",
                                        "INCLUSION",
                                        "TIME_RANGE",
                                        "LINK_MISSING",
                                        "LINK_LATER",
                                        "CHAIN_ORDER",
                                        "CHAIN_DISCONNECTED"};
    return (size_t)e < LDG_ARRAY_LEN(names) ? names[e] : "UNKNOWN";
}

static void hashes(ldg_enc *e, const ldg_hash *h, uint32_t n)
{
    ldg_enc_array(e, n);
    for (uint32_t i = 0; i < n; i++)
        ldg_enc_bin(e, h[i].b, LDG_HASH_LEN);
}

void ldg_ev_bundle_encode_v(ldg_enc *e, uint64_t version, const ldg_hash *genesis_hash,
                            const ldg_ev_bundle_item *items, size_t nitems,
                            const ldg_ev_bundle_anchor *anchors, size_t nanchors)
{
    ldg_enc_array(e, 5);
    ldg_enc_str(e, BUNDLE_MAGIC);
    ldg_enc_u64(e, version);
    ldg_enc_bin(e, genesis_hash->b, LDG_HASH_LEN);
    ldg_enc_array(e, (uint32_t)nitems);
    for (size_t i = 0; i < nitems; i++) {
        const ldg_ev_bundle_item *it = &items[i];
        ldg_enc_array(e, 6);
        ldg_enc_bin(e, it->record, it->record_len);
        if (it->line)
            ldg_enc_bin(e, it->line, it->line_len);
        else
            ldg_enc_nil(e);
        ldg_enc_bin(e, it->salt.b, LDG_HASH_LEN);
        ldg_enc_u64(e, it->leaf_index);
        hashes(e, it->path, it->path_len);
        ldg_enc_u64(e, it->anchor);
    }
    ldg_enc_array(e, (uint32_t)nanchors);
    for (size_t i = 0; i < nanchors; i++) {
        const ldg_ev_bundle_anchor *a = &anchors[i];
        ldg_enc_array(e, 5);
        ldg_enc_bin(e, a->tx, a->tx_len);
        ldg_enc_bin(e, a->header, a->header_len);
        ldg_enc_bin(e, a->cert, a->cert_len);
        ldg_enc_bin(e, a->refs, a->refs_len);
        hashes(e, a->log_path, a->log_path_len);
    }
}

void ldg_ev_bundle_encode(ldg_enc *e, const ldg_hash *genesis_hash, const ldg_ev_bundle_item *items,
                          size_t nitems, const ldg_ev_bundle_anchor *anchors, size_t nanchors)
{
    ldg_ev_bundle_encode_v(e, 1, genesis_hash, items, nitems, anchors, nanchors);
}

/* ---- verification ---- */

typedef struct vctx {
    ldg_genesis *g;
    ldg_hash genesis_hash;
    char *why;
    size_t why_len;
    bool chain;
} vctx;

typedef struct vanchor {
    ldg_ev_anchor a;
    ldg_pubkey signer;
    ldg_account subject;
    ldg_hash txid;
    uint64_t height, time_ms;
} vanchor;

static ldg_ev_verr failf(vctx *v, ldg_ev_verr e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static ldg_ev_verr failf(vctx *v, ldg_ev_verr e, const char *fmt, ...)
{
    if (v->why && v->why_len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(v->why, v->why_len, fmt, ap);
        va_end(ap);
    }
    return e;
}

static bool path_decode(const msgpack_object *o, ldg_hash *out, uint32_t max, uint32_t *n)
{
    const msgpack_object *it;
    if (!ldg_obj_array_any(o, max, &it, n))
        return false;
    for (uint32_t i = 0; i < *n; i++)
        if (!ldg_obj_bin(&it[i], out[i].b, LDG_HASH_LEN))
            return false;
    return true;
}

/* The anchor transaction: decodes, is an anchor of this chain, signed by its sender. */
static ldg_ev_verr anchor_tx(vctx *v, const uint8_t *wire, size_t len, vanchor *out, ldg_tx *tx)
{
    if (ldg_tx_decode(tx, wire, len) != LDG_R_OK)
        return failf(v, LDG_EV_ANCHOR_TX, "an anchor transaction does not decode");
    ldg_ev_verr r = LDG_EV_VOK;
    if (tx->type != LDG_TX_EV_ANCHOR || strcmp(tx->chain_id, v->g->chain_id) != 0 ||
        !ldg_ev_anchor_decode(&out->a, tx->payload))
        r = failf(v, LDG_EV_ANCHOR_TX, "a transaction is not an evidence anchor of this chain");
    else if (!ldg_tx_verify(tx, &v->genesis_hash))
        r = failf(v, LDG_EV_ANCHOR_TX, "an anchor's signature does not verify for this chain");
    out->signer = tx->sender;
    out->txid = tx->id;
    ldg_account_of(&out->subject, &tx->sender);
    return r;
}

/* The transaction is in the header's block, and the header is certified by the genesis
 * validators. */
static ldg_ev_verr anchor_block(vctx *v, const ldg_tx *tx, const msgpack_object *f, vanchor *out)
{
    const uint8_t *hb, *cb, *refs;
    size_t hl, cl, rl;
    ldg_header h;
    if (!ldg_obj_bin_ref(&f[1], 4096, &hb, &hl) || !ldg_obj_bin_ref(&f[2], 65536, &cb, &cl) ||
        !ldg_obj_bin_ref(&f[3], (size_t)LDG_BLOCK_TX_MAX * sizeof(ldg_tx_ref), &refs, &rl) ||
        rl % sizeof(ldg_tx_ref) != 0)
        return failf(v, LDG_EV_BUNDLE_FORMAT, "an anchor's block fields are malformed");
    if (ldg_header_decode(&h, hb, hl) != LDG_OK || strcmp(h.chain_id, v->g->chain_id) != 0)
        return failf(v, LDG_EV_CERTIFICATE,
                     "a block header does not decode or is for another chain");
    ldg_tx_ref want = ldg_tx_ref_of(tx);
    bool in = false;
    for (size_t at = 0; at < rl && !in; at += sizeof want)
        in = !memcmp(refs + at, &want, sizeof want);
    ldg_hash root;
    ldg_tx_root(&root, rl ? (const ldg_tx_ref *)(const void *)refs : NULL, rl / sizeof want);
    if (!in || memcmp(root.b, h.tx_root.b, LDG_HASH_LEN) != 0 || h.tx_count != rl / sizeof want)
        return failf(v, LDG_EV_ANCHOR_NOT_IN_BLOCK,
                     "an anchor is not among its block's transactions (tx_root)");
    ldg_hash bh;
    ldg_header_hash(&bh, &h);
    ldg_dec d;
    ldg_cert *cert = malloc(sizeof *cert);
    LDG_ASSERT(cert);
    bool ok = false;
    if (ldg_decode(&d, cb, cl) == LDG_OK) {
        ok = ldg_cert_decode(cert, d.root) == LDG_OK;
        ldg_dec_free(&d);
    }
    ok = ok && cert->height == h.height && !memcmp(cert->block_hash.b, bh.b, LDG_HASH_LEN) &&
         ldg_cert_verify(cert, v->g->chain_id, v->g->validators, v->g->validator_count);
    free(cert);
    if (!ok)
        return failf(v, LDG_EV_CERTIFICATE,
                     "block %llu's certificate is not valid for the genesis validators",
                     (unsigned long long)h.height);
    out->height = h.height;
    out->time_ms = h.time_ms;
    return LDG_EV_VOK;
}

static ldg_ev_verr anchor_verify(vctx *v, const msgpack_object *o, vanchor *out)
{
    const msgpack_object *f;
    const uint8_t *wire;
    size_t wl;
    ldg_hash path[64];
    uint32_t pl;
    if (!ldg_obj_array(o, 5, &f) || !ldg_obj_bin_ref(&f[0], LDG_TX_SIZE_MAX, &wire, &wl) ||
        !path_decode(&f[4], path, 64, &pl))
        return failf(v, LDG_EV_BUNDLE_FORMAT, "an anchor entry is malformed");
    ldg_tx tx;
    ldg_ev_verr r = anchor_tx(v, wire, wl, out, &tx);
    if (r == LDG_EV_VOK)
        r = anchor_block(v, &tx, f, out);
    ldg_tx_free(&tx);
    if (r != LDG_EV_VOK)
        return r;
    ldg_hash leaf;
    const ldg_ev_anchor *a = &out->a;
    ldg_ev_log_leaf(&leaf, &a->slice_root, a->record_count, a->time_first, a->time_last);
    if (a->log_size == 0 ||
        !ldg_ev_path_verify(&leaf, a->log_size - 1, a->log_size, path, pl, &a->log_root))
        return failf(v, LDG_EV_LOG_PATH, "a slice is not the last entry of its subject log");
    return LDG_EV_VOK;
}

static ldg_ev_verr item_verify(vctx *v, const msgpack_object *o, const vanchor *anchors,
                               uint32_t nanchors, ldg_ev_fact *fact)
{
    const msgpack_object *f;
    const uint8_t *rec, *line = NULL;
    size_t rl, ll = 0;
    ldg_hash salt, path[LDG_EV_PATH_MAX];
    uint32_t pl;
    uint64_t index, ai;
    if (!ldg_obj_array(o, 6, &f) || !ldg_obj_bin_ref(&f[0], 4096, &rec, &rl) ||
        (f[1].type != MSGPACK_OBJECT_NIL && !ldg_obj_bin_ref(&f[1], LDG_EV_LINE_MAX, &line, &ll)) ||
        !ldg_obj_bin(&f[2], salt.b, LDG_HASH_LEN) || !ldg_obj_u64(&f[3], &index) ||
        !path_decode(&f[4], path, LDG_EV_PATH_MAX, &pl) || !ldg_obj_u64(&f[5], &ai) ||
        ai >= nanchors)
        return failf(v, LDG_EV_BUNDLE_FORMAT, "an item is malformed");
    const vanchor *an = &anchors[ai];
    ldg_ev_record *r = &fact->record;
    if (!ldg_ev_record_decode(r, rec, rl))
        return failf(v, LDG_EV_RECORD, "a record does not decode");
    ldg_ev_record_id(&fact->id, rec, rl);
    fact->has_line = line != NULL;
    ldg_hash ph;
    if (line && (ldg_ev_th(&ph, LDG_TAG_EV_PAYLOAD, line ? line : (const uint8_t *)"", ll),
                 memcmp(ph.b, r->payload_hash.b, LDG_HASH_LEN) != 0))
        return failf(v, LDG_EV_PAYLOAD, "record %llu's line does not match its hash",
                     (unsigned long long)r->seq);
    if (memcmp(r->subject.b, an->subject.b, LDG_ACCOUNT_LEN) != 0)
        return failf(v, LDG_EV_SUBJECT, "a record's subject is not its anchor's signer");
    ldg_hash leaf;
    ldg_ev_leaf(&leaf, &salt, &fact->id);
    if (!ldg_ev_path_verify(&leaf, index, an->a.record_count, path, pl, &an->a.slice_root))
        return failf(v, LDG_EV_INCLUSION, "record %llu of %s is not in its anchored slice",
                     (unsigned long long)r->seq, r->source);
    if (r->time_ms < an->a.time_first || r->time_ms > an->a.time_last)
        return failf(v, LDG_EV_TIME_RANGE, "a record's time is outside its slice's time range");
    fact->signer = an->signer;
    fact->height = an->height;
    fact->block_time_ms = an->time_ms;
    fact->anchor_txid = an->txid;
    return LDG_EV_VOK;
}

/* The item holding id, or n. */
static size_t item_of(const ldg_ev_fact *facts, size_t n, const ldg_hash *id)
{
    size_t j = 0;
    while (j < n && memcmp(facts[j].id.b, id->b, LDG_HASH_LEN) != 0)
        j++;
    return j;
}

static ldg_ev_verr links_verify(vctx *v, const ldg_ev_fact *facts, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const ldg_ev_record *r = &facts[i].record;
        for (uint32_t l = 0; l < r->link_count; l++) {
            size_t j = item_of(facts, n, &r->links[l]);
            char hex[17];
            ldg_hex_encode(hex, r->links[l].b, 8);
            if (j == n)
                return failf(v, LDG_EV_LINK_MISSING,
                             "item %zu (%s line %llu) links to %s…, a record not in the bundle", i,
                             r->source, (unsigned long long)r->seq, hex);
            if (facts[j].record.time_ms > r->time_ms || facts[j].height > facts[i].height)
                return failf(v, LDG_EV_LINK_LATER_V,
                             "item %zu (%s line %llu, time %llu, block %llu) links to item %zu "
                             "(time %llu, block %llu), which is later",
                             i, r->source, (unsigned long long)r->seq,
                             (unsigned long long)r->time_ms, (unsigned long long)facts[i].height, j,
                             (unsigned long long)facts[j].record.time_ms,
                             (unsigned long long)facts[j].height);
        }
    }
    return LDG_EV_VOK;
}

/* A chain (version 2, §6.3 step 6): items in time order, each link to an earlier item, all
 * of them one connected process. */
static ldg_ev_verr chain_verify(vctx *v, const ldg_ev_fact *facts, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (facts[i].record.time_ms < facts[i - 1].record.time_ms)
            return failf(v, LDG_EV_CHAIN_ORDER,
                         "item %zu (time %llu) is listed after item %zu (time %llu): a chain is "
                         "in time order",
                         i, (unsigned long long)facts[i].record.time_ms, i - 1,
                         (unsigned long long)facts[i - 1].record.time_ms);
    uint8_t comp[LDG_EV_BUNDLE_ITEMS_MAX]; /* union by relabelling: n <= 64 */
    for (size_t i = 0; i < n; i++)
        comp[i] = (uint8_t)i;
    for (size_t i = 0; i < n; i++)
        for (uint32_t l = 0; l < facts[i].record.link_count; l++) {
            size_t j = item_of(facts, n, &facts[i].record.links[l]);
            if (j >= i)
                return failf(v, LDG_EV_CHAIN_ORDER, "item %zu links to item %zu, listed after it",
                             i, j);
            uint8_t from = comp[i], to = comp[j];
            for (size_t k = 0; k < n; k++)
                comp[k] = comp[k] == from ? to : comp[k];
        }
    for (size_t i = 1; i < n; i++)
        if (comp[i] != comp[0])
            return failf(v, LDG_EV_CHAIN_DISCONNECTED,
                         "item %zu (%s line %llu) is linked to no other record of the chain", i,
                         facts[i].record.source, (unsigned long long)facts[i].record.seq);
    return LDG_EV_VOK;
}

static ldg_ev_verr verify_body(vctx *v, const msgpack_object *f, ldg_ev_fact *facts, size_t *nfacts)
{
    const msgpack_object *items, *anchors;
    uint32_t ni, na;
    if (!ldg_obj_array_any(&f[3], LDG_EV_BUNDLE_ITEMS_MAX, &items, &ni) || ni == 0 ||
        !ldg_obj_array_any(&f[4], LDG_EV_BUNDLE_ITEMS_MAX, &anchors, &na))
        return failf(v, LDG_EV_BUNDLE_FORMAT, "a bundle holds 1 to %d items and anchors",
                     LDG_EV_BUNDLE_ITEMS_MAX);
    vanchor *va = calloc(na ? na : 1, sizeof *va);
    LDG_ASSERT(va);
    ldg_ev_verr r = LDG_EV_VOK;
    for (uint32_t i = 0; i < na && r == LDG_EV_VOK; i++)
        r = anchor_verify(v, &anchors[i], &va[i]);
    for (uint32_t i = 0; i < ni && r == LDG_EV_VOK; i++)
        r = item_verify(v, &items[i], va, na, &facts[i]);
    free(va);
    if (r == LDG_EV_VOK)
        r = links_verify(v, facts, ni);
    if (r == LDG_EV_VOK && v->chain)
        r = chain_verify(v, facts, ni);
    *nfacts = r == LDG_EV_VOK ? ni : 0;
    return r;
}

ldg_ev_verr ldg_ev_bundle_verify(const uint8_t *bundle, size_t len, const uint8_t *genesis,
                                 size_t genesis_len, ldg_ev_fact *facts, size_t *nfacts, char *why,
                                 size_t why_len)
{
    return ldg_ev_bundle_verify_v(bundle, len, genesis, genesis_len, facts, nfacts, NULL, why,
                                  why_len);
}

ldg_ev_verr ldg_ev_bundle_verify_v(const uint8_t *bundle, size_t len, const uint8_t *genesis,
                                   size_t genesis_len, ldg_ev_fact *facts, size_t *nfacts,
                                   bool *chain, char *why, size_t why_len)
{
    *nfacts = 0;
    if (chain)
        *chain = false;
    vctx v = {.why = why, .why_len = why_len};
    if (why && why_len)
        why[0] = '\0';
    v.g = malloc(sizeof *v.g);
    LDG_ASSERT(v.g);
    ldg_ev_verr r = LDG_EV_VOK;
    ldg_dec d;
    const msgpack_object *f;
    char magic[32];
    uint64_t version;
    ldg_hash gh;
    if (ldg_genesis_decode(v.g, genesis, genesis_len) != LDG_OK) {
        free(v.g);
        return failf(&v, LDG_EV_WRONG_CHAIN, "the genesis document does not decode");
    }
    ldg_genesis_hash_bytes(&v.genesis_hash, genesis, genesis_len);
    if (len > LDG_EV_BUNDLE_BYTES_MAX || ldg_decode(&d, bundle, len) != LDG_OK) {
        free(v.g);
        return failf(&v, LDG_EV_BUNDLE_FORMAT,
                     "the bundle is not one canonical value within 16 MiB");
    }
    if (!ldg_obj_array(d.root, 5, &f) || !ldg_obj_str(&f[0], magic, sizeof magic - 1, false) ||
        strcmp(magic, BUNDLE_MAGIC) != 0 || !ldg_obj_u64(&f[1], &version) ||
        (version != 1 && version != 2) || !ldg_obj_bin(&f[2], gh.b, LDG_HASH_LEN))
        r = failf(&v, LDG_EV_BUNDLE_FORMAT, "not an evidence bundle of version 1 or 2");
    else if (memcmp(gh.b, v.genesis_hash.b, LDG_HASH_LEN) != 0)
        r = failf(&v, LDG_EV_WRONG_CHAIN, "the bundle is for another chain than this genesis");
    else {
        v.chain = version == 2;
        r = verify_body(&v, f, facts, nfacts);
    }
    if (chain && r == LDG_EV_VOK)
        *chain = v.chain;
    ldg_dec_free(&d);
    free(v.g);
    return r;
}
