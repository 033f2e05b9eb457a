/* The `evidence` query (specs/evidence.md §5): a subject log's head, and everything a bundle
 * needs about an anchored slice (its log entry, its transaction, its block's header,
 * certificate and transaction refs). One row in the method table; the sub-method is the
 * first argument. */
#include "net_query_evidence.h"

#include "ldg_block.h"
#include "ldg_chain.h"
#include "ldg_ev.h"
#include "ldg_limits.h"
#include "net_evstore.h"
#include "net_reply.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

static json_t *hex(const uint8_t *b, size_t n)
{
    char *s = malloc(2 * n + 1);
    LDG_ASSERT(s);
    ldg_hex_encode(s, b, n);
    json_t *j = json_string(s);
    free(s);
    return j;
}

static json_t *hashes(const ldg_hash *h, uint32_t n)
{
    json_t *a = json_array();
    for (uint32_t i = 0; i < n; i++)
        json_array_append_new(a, hex(h[i].b, LDG_HASH_LEN));
    return a;
}

/* Participant name or 40-hex account. */
static bool subject_arg(ldg_state *st, const msgpack_object *o, ldg_account *out)
{
    char who[LDG_NAME_LEN_MAX + 1];
    if (!ldg_obj_str(o, who, LDG_NAME_LEN_MAX, false))
        return false;
    ldg_participant p;
    bool found = false;
    if (ldg_participant_by_name(st, who, &p, &found) == LDG_OK && found) {
        *out = p.account;
        return true;
    }
    return strlen(who) == 2 * LDG_ACCOUNT_LEN && ldg_account_parse(out, who) == 0;
}

static char *m_head(ldg_state *st, const msgpack_object *args, uint32_t nargs, int *status)
{
    ldg_account a;
    ldg_ev_head h;
    if (nargs != 2 || !subject_arg(st, &args[1], &a))
        return net_reply_error(status, LDG_ERR_INVALID,
                               "evidence head takes a participant name or 40-hex account");
    if (ldg_ev_head_get(st, &a, &h) != LDG_OK)
        return net_reply_error(status, LDG_ERR_CORRUPT, "the evidence log head is unreadable");
    ldg_hash root;
    ldg_ev_peaks_root(&h.peaks, &root);
    json_t *j =
        json_pack("{s:o,s:I,s:o,s:o,s:o}", "subject", hex(a.b, LDG_ACCOUNT_LEN), "size",
                  (json_int_t)h.peaks.size, "last_anchor", hex(h.last_anchor.b, LDG_HASH_LEN),
                  "peaks", hashes(h.peaks.p, h.peaks.count), "root", hex(root.b, LDG_HASH_LEN));
    return net_reply_dump(j, JSON_COMPACT | JSON_PRESERVE_ORDER, status);
}

/* The block fields of a bundle's anchor: tx wire, header and certificate bytes, and the
 * refs (id || signature of every transaction of the block, in order). */
static bool block_fields(net_node *n, const ldg_ev_entry *en, json_t *j)
{
    uint64_t height;
    uint32_t index;
    if (ldg_chain_find_tx(n->chain, &en->anchor_txid, &height, &index) != LDG_OK)
        return false;
    ldg_record r;
    if (ldg_chain_read_block(n->chain, height, &r) != LDG_OK)
        return false;
    bool ok = index < r.tx_count;
    ldg_tx_ref *refs = calloc(r.tx_count ? r.tx_count : 1, sizeof *refs);
    LDG_ASSERT(refs);
    for (uint32_t i = 0; ok && i < r.tx_count; i++) {
        ldg_tx tx;
        ok = ldg_tx_decode(&tx, r.txs[i], r.tx_lens[i]) == LDG_R_OK;
        if (ok) {
            refs[i] = ldg_tx_ref_of(&tx);
            ldg_tx_free(&tx);
        }
    }
    if (ok) {
        ldg_enc e;
        ldg_enc_init(&e);
        ldg_header_encode(&e, &r.header);
        json_object_set_new(j, "header", hex(ldg_enc_data(&e), ldg_enc_len(&e)));
        ldg_enc_reset(&e);
        ldg_cert_encode(&e, &r.cert);
        json_object_set_new(j, "cert", hex(ldg_enc_data(&e), ldg_enc_len(&e)));
        ldg_enc_free(&e);
        json_object_set_new(j, "tx", hex(r.txs[index], r.tx_lens[index]));
        json_object_set_new(j, "refs", hex((const uint8_t *)refs, r.tx_count * sizeof *refs));
        json_object_set_new(j, "block_time_ms", json_integer((json_int_t)r.header.time_ms));
    }
    free(refs);
    ldg_record_free(&r);
    return ok;
}

/* One attestation of a slice ('P' 'm' root32 member20 -> height, evidence.md §2.4). */
static bool on_attester(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    ldg_dec d;
    uint64_t h = 0;
    if (kl != 2 + LDG_HASH_LEN + LDG_ACCOUNT_LEN)
        return true;
    if (ldg_decode(&d, v, vl) == LDG_OK) {
        if (!ldg_obj_u64(d.root, &h))
            h = 0;
        ldg_dec_free(&d);
    }
    json_array_append_new(arg, json_pack("{s:o,s:I}", "member",
                                         hex(k + 2 + LDG_HASH_LEN, LDG_ACCOUNT_LEN), "height",
                                         (json_int_t)h));
    return true;
}

/* The members that attested a copy of root, at most LDG_EV_ATTESTERS_SHOWN (by account). */
static json_t *attesters(ldg_state *st, const ldg_hash *root)
{
    uint8_t prefix[2 + LDG_HASH_LEN] = {'P', 'm'};
    memcpy(prefix + 2, root->b, LDG_HASH_LEN);
    json_t *a = json_array();
    if (ldg_state_scan(st, prefix, sizeof prefix, LDG_EV_ATTESTERS_SHOWN, on_attester, a) !=
        LDG_OK) {
        json_decref(a);
        return NULL;
    }
    return a;
}

static char *m_anchor(net_node *n, ldg_state *st, const msgpack_object *args, uint32_t nargs,
                      int *status)
{
    ldg_hash root;
    if (nargs != 2 || !ldg_obj_bin(&args[1], root.b, LDG_HASH_LEN))
        return net_reply_error(status, LDG_ERR_INVALID,
                               "evidence anchor takes a slice root (32 bytes)");
    ldg_ev_entry en;
    bool found;
    if (ldg_ev_entry_by_root(st, &root, &en, &found) != LDG_OK)
        return net_reply_error(status, LDG_ERR_CORRUPT, "the evidence log is unreadable");
    if (!found)
        return net_reply_error(status, LDG_ERR_NOT_FOUND, "no anchored slice has this root");
    uint64_t copies = 0;
    if (ldg_ev_copies_get(st, &root, &copies) != LDG_OK)
        return net_reply_error(status, LDG_ERR_CORRUPT, "the evidence copies are unreadable");
    json_t *j = json_pack(
        "{s:o,s:I,s:o,s:I,s:I,s:I,s:o,s:I,s:o}", "subject", hex(en.subject.b, LDG_ACCOUNT_LEN),
        "index", (json_int_t)en.index, "slice_root", hex(en.slice_root.b, LDG_HASH_LEN),
        "record_count", (json_int_t)en.record_count, "time_first", (json_int_t)en.time_first,
        "time_last", (json_int_t)en.time_last, "txid", hex(en.anchor_txid.b, LDG_HASH_LEN),
        "height", (json_int_t)en.height, "log_path", hashes(en.path, en.path_len));
    json_t *by = attesters(st, &root);
    if (!by) {
        json_decref(j);
        return net_reply_error(status, LDG_ERR_CORRUPT, "the evidence copies are unreadable");
    }
    if (j) {
        json_object_set_new(j, "attested_copies", json_integer((json_int_t)copies));
        json_object_set_new(j, "attested_by", by);
    } else {
        json_decref(by);
    }
    if (j && !block_fields(n, &en, j)) {
        json_decref(j);
        return net_reply_error(status, LDG_ERR_CORRUPT, "the anchor's block is unreadable");
    }
    return net_reply_dump(j, JSON_COMPACT | JSON_PRESERVE_ORDER, status);
}

/* Collects the log leaves of a subject's first n entries. */
typedef struct leaf_scan {
    ldg_hash *leaves;
    size_t n, want;
    bool bad;
} leaf_scan;

static bool on_entry(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    leaf_scan *ls = arg;
    (void)k, (void)kl;
    ldg_dec d;
    const msgpack_object *f;
    ldg_hash root;
    uint64_t count, t0, t1;
    if (ldg_decode(&d, v, vl) != LDG_OK) {
        ls->bad = true;
        return false;
    }
    bool ok = ldg_obj_array(d.root, 7, &f) && ldg_obj_bin(&f[0], root.b, LDG_HASH_LEN) &&
              ldg_obj_u64(&f[1], &count) && ldg_obj_u64(&f[2], &t0) && ldg_obj_u64(&f[3], &t1);
    ldg_dec_free(&d);
    if (!ok) {
        ls->bad = true;
        return false;
    }
    ldg_ev_log_leaf(&ls->leaves[ls->n++], &root, count, t0, t1);
    return ls->n < ls->want;
}

/* The proof from the log's leaves (every entry up to n read): for the logs whose entries
 * were anchored before the interior nodes were stored (evidence.md §4). */
static ldg_err consistency_from_leaves(ldg_state *st, const ldg_account *a, uint64_t m, uint64_t n,
                                       ldg_hash *proof, size_t *pl, ldg_hash *rm, ldg_hash *rn)
{
    if (n > LDG_EV_LOG_PROOF_ENTRIES_MAX)
        return LDG_ERR_TOO_LARGE;
    uint8_t prefix[2 + LDG_ACCOUNT_LEN] = {'P', 'l'};
    memcpy(prefix + 2, a->b, LDG_ACCOUNT_LEN);
    leaf_scan ls = {.leaves = malloc(n * sizeof(ldg_hash)), .want = n};
    LDG_ASSERT(ls.leaves);
    if (ldg_state_scan(st, prefix, sizeof prefix, n, on_entry, &ls) != LDG_OK || ls.bad ||
        ls.n != n) {
        free(ls.leaves);
        return LDG_ERR_CORRUPT;
    }
    *pl = ldg_ev_consistency(proof, ls.leaves, n, m);
    ldg_ev_root(rm, ls.leaves, m);
    ldg_ev_root(rn, ls.leaves, n);
    free(ls.leaves);
    return LDG_OK;
}

/* consistency WHO M N: RFC 9162 proof that the log of size M is a prefix of the log of size
 * N, with both roots (each is the log_root of the anchor that made that size). */
static char *m_consistency(ldg_state *st, const msgpack_object *args, uint32_t nargs, int *status)
{
    ldg_account a;
    uint64_t m, n;
    ldg_ev_head h;
    if (nargs != 4 || !subject_arg(st, &args[1], &a) || !ldg_obj_u64(&args[2], &m) ||
        !ldg_obj_u64(&args[3], &n) || m == 0 || m > n)
        return net_reply_error(status, LDG_ERR_INVALID,
                               "evidence consistency takes a subject and sizes 0 < M <= N");
    if (ldg_ev_head_get(st, &a, &h) != LDG_OK)
        return net_reply_error(status, LDG_ERR_CORRUPT, "the evidence log head is unreadable");
    if (n > h.peaks.size)
        return net_reply_error(status, LDG_ERR_NOT_FOUND, "the log has %llu slices, not %llu",
                               (unsigned long long)h.peaks.size, (unsigned long long)n);
    ldg_hash proof[LDG_EV_PATH_MAX], rm, rn;
    size_t pl = 0;
    ldg_err e = ldg_ev_log_consistency(st, &a, m, n, proof, &pl, &rm, &rn);
    if (e == LDG_ERR_NOT_FOUND) /* a log begun before its nodes were stored */
        e = consistency_from_leaves(st, &a, m, n, proof, &pl, &rm, &rn);
    if (e == LDG_ERR_TOO_LARGE)
        return net_reply_error(status, LDG_ERR_TOO_LARGE,
                               "this log was begun before its interior nodes were kept: a "
                               "consistency proof reaches at most %d of its slices",
                               LDG_EV_LOG_PROOF_ENTRIES_MAX);
    if (e != LDG_OK)
        return net_reply_error(status, LDG_ERR_CORRUPT, "the evidence log is unreadable");
    json_t *j = json_pack("{s:I,s:I,s:o,s:o,s:o}", "m", (json_int_t)m, "n", (json_int_t)n, "root_m",
                          hex(rm.b, LDG_HASH_LEN), "root_n", hex(rn.b, LDG_HASH_LEN), "proof",
                          hashes(proof, (uint32_t)pl));
    return net_reply_dump(j, JSON_COMPACT | JSON_PRESERVE_ORDER, status);
}

/* ---- the store's slices, for mirrors (§2.4) ---- */

/* ["evidence_slices", after?]: the anchored slices of this node's store (HOME/evidence),
 * at most LDG_EV_LIST_MAX from position `after` of its index: only those rows are read. */
static char *m_slices(net_node *n, const msgpack_object *args, uint32_t nargs, int *status)
{
    uint64_t after = 0;
    if (nargs > 1 || (nargs == 1 && !ldg_obj_u64(&args[0], &after)))
        return net_reply_error(status, LDG_ERR_INVALID,
                               "evidence_slices takes an optional position to list from (the "
                               "previous reply's next)");
    char dir[NET_PATH_MAX], err[NET_PATH_MAX + 128];
    net_home_path(dir, n->home, "evidence");
    ldg_hash *roots = malloc(LDG_EV_LIST_MAX * sizeof *roots);
    LDG_ASSERT(roots);
    size_t cnt;
    uint64_t next;
    bool more;
    if (net_evstore_page(dir, after, roots, LDG_EV_LIST_MAX, &cnt, &next, &more, err, sizeof err) !=
        LDG_OK) {
        free(roots);
        return net_reply_error(status, LDG_ERR_IO, "the evidence store's index: %s", err);
    }
    json_t *j = json_pack("{s:o,s:I,s:b}", "slices", hashes(roots, (uint32_t)cnt), "next",
                          (json_int_t)next, "more", more);
    /* The index rows just before after and just before next, hidden or not: a mirror
     * resuming from next checks that it is the same index (evidence.md §2.4). */
    ldg_hash row;
    if (j && after > 0 && net_evstore_row(dir, after - 1, &row))
        json_object_set_new(j, "prev", hex(row.b, LDG_HASH_LEN));
    if (j && next > 0 && net_evstore_row(dir, next - 1, &row))
        json_object_set_new(j, "last", hex(row.b, LDG_HASH_LEN));
    free(roots);
    return net_reply_dump(j, JSON_COMPACT | JSON_PRESERVE_ORDER, status);
}

/* ["evidence_slice", root, offset]: up to LDG_EV_FETCH_CHUNK bytes of an anchored slice's file. */
static char *m_slice(net_node *n, const msgpack_object *args, uint32_t nargs, int *status)
{
    ldg_hash root;
    uint64_t off;
    if (nargs != 2 || !ldg_obj_bin(&args[0], root.b, LDG_HASH_LEN) || !ldg_obj_u64(&args[1], &off))
        return net_reply_error(status, LDG_ERR_INVALID,
                               "evidence_slice takes a slice root (32 bytes) and an offset");
    char rel[40 + 2 * LDG_HASH_LEN], path[NET_PATH_MAX + 100], hx[2 * LDG_HASH_LEN + 1];
    ldg_hex_encode(hx, root.b, LDG_HASH_LEN);
    snprintf(rel, sizeof rel, "evidence/%s.anchor", hx);
    net_home_path(path, n->home, rel);
    if (access(path, F_OK) != 0) /* only what this node anchored and keeps */
        return net_reply_error(status, LDG_ERR_NOT_FOUND, "this node keeps no anchored slice %s",
                               hx);
    snprintf(rel, sizeof rel, "evidence/%s.slice", hx);
    net_home_path(path, n->home, rel);
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) != 0 || st.st_size < 0 ||
        (uint64_t)st.st_size > ZSTD_COMPRESSBOUND(LDG_EV_SLICE_RAW_MAX) ||
        off > (uint64_t)st.st_size) {
        if (f)
            fclose(f);
        return net_reply_error(status, LDG_ERR_NOT_FOUND,
                               "the slice %s is unreadable here, or the offset is past its end",
                               hx);
    }
    size_t want = (uint64_t)st.st_size - off < LDG_EV_FETCH_CHUNK
                      ? (size_t)(st.st_size - (off_t)off)
                      : LDG_EV_FETCH_CHUNK;
    uint8_t *buf = malloc(want ? want : 1);
    LDG_ASSERT(buf);
    bool ok = fseeko(f, (off_t)off, SEEK_SET) == 0 && fread(buf, 1, want, f) == want;
    fclose(f);
    json_t *j = ok ? json_pack("{s:I,s:I,s:o}", "size", (json_int_t)st.st_size, "offset",
                               (json_int_t)off, "data", hex(buf, want))
                   : NULL;
    free(buf);
    if (!ok)
        return net_reply_error(status, LDG_ERR_IO, "the slice %s could not be read", hx);
    return net_reply_dump(j, JSON_COMPACT | JSON_PRESERVE_ORDER, status);
}

char *net_query_evidence(net_node *n, const char *method, const msgpack_object *args,
                         uint32_t nargs, int *status)
{
    (void)method;
    *status = 0;
    char sub[16];
    if (nargs < 1 || !ldg_obj_str(&args[0], sub, sizeof sub - 1, false))
        return net_reply_error(status, LDG_ERR_INVALID,
                               "evidence takes 'head', 'anchor' or 'consistency' first");
    if (!strcmp(sub, "slices") || !strcmp(sub, "slice")) /* the store: members only */
        return net_reply_error(status, LDG_ERR_DENIED,
                               "the store's slices are served to consortium members only, by the "
                               "methods evidence_slices and evidence_slice in a signed request "
                               "(specs/evidence.md §2.4)");
    ldg_state *st = ldg_chain_reader(n->chain);
    char *out;
    if (!strcmp(sub, "head"))
        out = m_head(st, args, nargs, status);
    else if (!strcmp(sub, "anchor"))
        out = m_anchor(n, st, args, nargs, status);
    else if (!strcmp(sub, "consistency"))
        out = m_consistency(st, args, nargs, status);
    else
        out = net_reply_error(status, LDG_ERR_INVALID,
                              "evidence takes 'head', 'anchor' or 'consistency' first");
    ldg_state_free(st);
    return out;
}

char *net_query_evidence_store(net_node *n, const char *method, const msgpack_object *args,
                               uint32_t nargs, int *status)
{
    *status = 0;
    return !strcmp(method, "evidence_slices") ? m_slices(n, args, nargs, status)
                                              : m_slice(n, args, nargs, status);
}
