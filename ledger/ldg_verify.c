/* `folio chain verify`: re-checks the stored chain from genesis without trusting any
 * stored state: links, tx roots, certificates, signatures, and every state root by
 * re-executing into an in-memory state. */
#include "ldg_chain.h"
#include "ldg_smt.h"
#include "ldg_snap.h"
#include "ldg_valset.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static ldg_err fail(ldg_verify_report *rep, uint64_t height, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rep->reason, sizeof rep->reason, fmt, ap);
    va_end(ap);
    rep->ok = false;
    rep->broken_height = height;
    return LDG_OK;
}

typedef struct verify_ctx {
    const ldg_registry *reg;
    ldg_memkv *kv;
    ldg_state *st;
    ldg_memkv *tree_kv; /* the state tree's nodes, latest version only */
    ldg_smt *tree;
    ldg_hash root;      /* computed state root after the previous block */
    ldg_hash prev_hash; /* hash of the previous block */
    uint64_t prev_time;
    char chain_id[LDG_CHAIN_ID_LEN_MAX + 1];
    ldg_hash genesis_hash; /* what the transactions sign */
    ldg_chain *chain;      /* reindexing: the chain whose index gets each block's notes */
    ldg_batch *batch;
} verify_ctx;

static const char *check_genesis(verify_ctx *v, const ldg_record *r)
{
    ldg_genesis g;
    if (ldg_genesis_decode(&g, r->genesis, r->genesis_len) != LDG_OK)
        return "genesis document does not decode";
    if (strcmp(g.chain_id, r->header.chain_id) != 0)
        return "genesis chain id differs from block 0";
    snprintf(v->chain_id, sizeof v->chain_id, "%s", g.chain_id);
    ldg_genesis_hash_bytes(&v->genesis_hash, r->genesis, r->genesis_len);
    ldg_genesis_apply_all(v->reg, v->st, &g);
    const ldg_write *w;
    size_t nw = ldg_state_writes(v->st, &w);
    ldg_hash zero = {{0}};
    if (ldg_smt_step_mem(v->tree, v->tree_kv, &zero, 0, w, nw, &v->root) != LDG_OK)
        return "the state tree failed";
    ldg_memkv_apply(v->kv, w, nw);
    ldg_state_reset(v->st);
    if (memcmp(v->root.b, r->state_root.b, LDG_HASH_LEN) != 0)
        return "genesis state root differs";
    return NULL;
}

/* Checks one block; returns a reason or NULL. */
static const char *check_block(verify_ctx *v, const ldg_record *r, ldg_verify_report *rep)
{
    const ldg_header *h = &r->header;
    if (strcmp(h->chain_id, v->chain_id) != 0)
        return "chain id differs from the genesis chain id";
    if (memcmp(h->prev_hash.b, v->prev_hash.b, LDG_HASH_LEN) != 0)
        return "prev_hash does not link to the previous block";
    if (memcmp(h->prev_state_root.b, v->root.b, LDG_HASH_LEN) != 0)
        return "prev_state_root differs from the re-executed state";
    if (h->time_ms <= v->prev_time)
        return "block time does not advance";
    /* The set in force at this height (ldg_valset.h): genesis, or the last change recorded
     * for it in the re-executed state. */
    ldg_valset *vs = malloc(sizeof *vs);
    LDG_ASSERT(vs);
    bool cert_ok = ldg_valset_at(v->st, h->height, vs) == LDG_OK && r->cert.height == h->height &&
                   !memcmp(r->cert.block_hash.b, r->hash.b, LDG_HASH_LEN) &&
                   ldg_cert_verify(&r->cert, h->chain_id, vs->keys, vs->count);
    free(vs);
    if (!cert_ok)
        return "commit certificate does not verify against the validator set in force";
    uint32_t n = r->tx_count;
    /* The limits in force at this height: from the re-executed state after the previous
     * block, as the validators read them (a later lowering does not condemn it). */
    ldg_block_limits lim;
    uint64_t bytes = 0;
    for (uint32_t i = 0; i < n; i++)
        bytes += r->tx_lens[i];
    if (ldg_block_limits_read(v->reg, v->st, &lim) != LDG_OK)
        return "the block limits in force do not read";
    if (!ldg_block_limits_fit(&lim, n, bytes, NULL, 0))
        return "the block exceeds the block limits in force at its height";
    ldg_tx *txs = calloc(n ? n : 1, sizeof *txs);
    bool *ok = calloc(n ? n : 1, 1);
    ldg_tx_ref *refs = calloc(n ? n : 1, sizeof *refs);
    LDG_ASSERT(txs && ok && refs);
    const char *why = NULL;
    uint32_t decoded = 0;
    for (; decoded < n; decoded++) {
        if (ldg_tx_decode(&txs[decoded], r->txs[decoded], r->tx_lens[decoded]) != LDG_R_OK) {
            why = "a transaction does not decode";
            break;
        }
        refs[decoded] = ldg_tx_ref_of(&txs[decoded]);
    }
    ldg_hash root;
    if (!why) {
        ldg_tx_root(&root, refs, n);
        if (memcmp(root.b, h->tx_root.b, LDG_HASH_LEN) != 0)
            why = "tx_root does not match the transactions";
    }
    if (!why) {
        ldg_verify_parallel(txs, n, ok, 2, &v->genesis_hash);
        for (uint32_t i = 0; i < n && !why; i++)
            if (!ok[i])
                why = "a transaction signature does not verify";
    }
    if (!why) {
        ldg_env env = {.chain_id = h->chain_id, .height = h->height, .time_ms = h->time_ms};
        ldg_exec_out out = {0};
        out.receipts = calloc(n ? n : 1, sizeof *out.receipts);
        LDG_ASSERT(out.receipts);
        ldg_err err = ldg_exec_begin_block(v->reg, v->st, &env);
        for (uint32_t i = 0; err == LDG_OK && i < n; i++)
            err = ldg_exec_tx(v->reg, v->st, &env, &txs[i], i, &out.receipts[i]);
        for (uint32_t i = 0; err == LDG_OK && i < n && !why; i++)
            if (out.receipts[i].code != r->receipts[i].code)
                why = "a receipt differs from re-execution";
        if (err != LDG_OK)
            why = "re-execution failed";
        const ldg_write *w;
        size_t nw = ldg_state_writes(v->st, &w);
        if (ldg_smt_step_mem(v->tree, v->tree_kv, &v->root, h->height, w, nw, &root) != LDG_OK)
            why = "the state tree failed";
        if (!why && memcmp(root.b, r->state_root.b, LDG_HASH_LEN) != 0)
            why = "state root differs from re-execution";
        ldg_memkv_apply(v->kv, w, nw);
        if (v->batch && !why)
            ldg_chain_index_block(v->chain, v->batch, v->st, h->height, h->time_ms);
        ldg_state_reset(v->st);
        v->root = root;
        free(out.receipts);
    }
    rep->txs += n;
    for (uint32_t i = 0; i < decoded; i++)
        ldg_tx_free(&txs[i]);
    free(txs);
    free(ok);
    free(refs);
    return why;
}

/* ---- a store state-synced from a checkpoint (specs/sync.md §7) ---- */

typedef struct past_rows {
    ldg_state_base base;
    uint64_t version;
    ldg_memkv *kv;
    ldg_err err;
} past_rows;

static bool past_leaf(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    past_rows *p = arg;
    ldg_write w = {k, kl, v, vl};
    ldg_memkv_apply(p->kv, &w, 1);
    return true;
}

static bool past_main_leaf(void *arg, bool reg, const uint8_t *key, size_t klen, const uint8_t *val,
                           uint64_t vlen)
{
    past_rows *p = arg;
    if (reg)
        p->err = ldg_smt_register_at(p->base, p->version, key, past_leaf, p);
    else
        (void)past_leaf(p, key, klen, val, (size_t)vlen);
    return p->err == LDG_OK;
}

static bool past_copy(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    ldg_state_put(arg, k, kl, v, vl);
    return true;
}

/* The state after the checkpoint's block, read from the stored tree of that version into
 * v's in-memory state and tree; its root must be the certified one. */
static const char *load_checkpoint(verify_ctx *v, const ldg_snap_checkpoint *cp)
{
    ldg_state_free(v->st); /* the genesis state gives way to the checkpoint's */
    ldg_memkv_free(v->kv);
    v->kv = ldg_memkv_new();
    v->st = ldg_state_new(ldg_memkv_base(v->kv));
    past_rows p = {ldg_chain_tree_base(v->chain), cp->height, v->kv, LDG_OK};
    ldg_smt_slot slot, kids[16];
    bool split;
    ldg_hash zero = {{0}};
    ldg_err err = ldg_smt_snap_read(p.base, cp->height, LDG_SMT_TREE_PLAIN, NULL, 0, &zero,
                                    SIZE_MAX / 4, &slot, kids, &split, past_main_leaf, &p);
    if (err == LDG_OK && p.err == LDG_OK && !split) /* and each register of the registers tree */
        err = ldg_smt_snap_read(p.base, cp->height, LDG_SMT_TREE_REGS, NULL, 0, &zero, SIZE_MAX / 4,
                                &slot, kids, &split, past_main_leaf, &p);
    if (err == LDG_ERR_PRUNED)
        return "the checkpoint's state is below the retention window: it cannot be re-checked";
    if (err != LDG_OK || p.err != LDG_OK || split)
        return "the checkpoint's state does not read from the tree";
    ldg_smt_free(v->tree);
    ldg_memkv_free(v->tree_kv);
    v->tree_kv = ldg_memkv_new();
    LDG_ASSERT(ldg_smt_open(&v->tree, ldg_memkv_base(v->tree_kv), cp->height, true) == LDG_OK);
    ldg_smt_set_retention(v->tree, LDG_SMT_LATEST_ONLY);
    ldg_memkv *all = ldg_memkv_new(); /* the rows again, sorted, as one write set */
    ldg_state *st = ldg_state_new(ldg_memkv_base(all));
    ldg_state_base b = ldg_memkv_base(v->kv);
    (void)b.scan(b.arg, (const uint8_t *)"", 0, past_copy, st);
    const ldg_write *w;
    size_t nw = ldg_state_writes(st, &w);
    err = ldg_smt_step_mem(v->tree, v->tree_kv, &zero, cp->height, w, nw, &v->root);
    ldg_state_free(st);
    ldg_memkv_free(all);
    if (err != LDG_OK || memcmp(v->root.b, cp->state_root.b, LDG_HASH_LEN) != 0)
        return "the stored state of the checkpoint does not have its certified root";
    ldg_header_hash(&v->prev_hash, &cp->header);
    v->prev_time = cp->header.time_ms;
    return NULL;
}

/* After block 0: if the store was state-synced, checks its checkpoint (certified by the
 * genesis validators, followed through the validator-set changes it carries) and continues
 * from it; *next is the next height to check. */
static const char *from_checkpoint(verify_ctx *v, uint64_t *next)
{
    uint8_t *raw;
    size_t rl;
    ldg_err err = ldg_snap_store_checkpoint(ldg_chain_store(v->chain), &raw, &rl);
    if (err == LDG_ERR_NOT_FOUND)
        return NULL;
    if (err != LDG_OK)
        return "the checkpoint record does not read";
    /* The genesis set and chain id are all the check reads of a genesis. */
    ldg_genesis *g = calloc(1, sizeof *g);
    LDG_ASSERT(g);
    snprintf(g->chain_id, sizeof g->chain_id, "%s", v->chain_id);
    g->validator_count = ldg_validators_read(v->st, g->validators, LDG_VALIDATORS_MAX);
    ldg_snap_checkpoint cp;
    char why[256];
    const char *bad = "the checkpoint's certificate does not verify against genesis and the "
                      "validator-set changes it carries";
    ldg_err ce = ldg_snap_checkpoint_check(&cp, raw, rl, g, why, sizeof why);
    free(g);
    if (ce == LDG_OK) {
        bad = load_checkpoint(v, &cp);
        *next = cp.height + 1;
        ldg_snap_checkpoint_free(&cp);
    }
    free(raw);
    return bad;
}

/* Blocks whose index rows go into one write batch while reindexing. */
enum { REINDEX_BATCH_BLOCKS = 256 };

static ldg_err replay(ldg_chain *c, const ldg_registry *reg, ldg_verify_report *rep,
                      ldg_progress_fn progress, void *arg, bool reindex);

ldg_err ldg_chain_verify(ldg_chain *c, const ldg_registry *reg, ldg_verify_report *rep,
                         ldg_progress_fn progress, void *arg)
{
    return replay(c, reg, rep, progress, arg, false);
}

static bool delete_row(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    (void)v, (void)vl;
    ldg_batch_delete(arg, LDG_CF_INDEX, k, kl);
    return true;
}

ldg_err ldg_chain_reindex(ldg_chain *c, ldg_verify_report *rep)
{
    ldg_store *s = ldg_chain_store(c);
    ldg_batch *b = ldg_batch_new(s);
    ldg_err err = ldg_store_scan(s, LDG_CF_INDEX, "", 0, delete_row, b);
    if (err == LDG_OK)
        err = ldg_store_write(s, b, false);
    ldg_batch_free(b);
    if (err != LDG_OK)
        return err;
    return replay(c, ldg_chain_registry(c), rep, NULL, NULL, true);
}

/* Writes the index rows gathered so far (reindexing). */
static ldg_err flush_index(verify_ctx *v, bool sync)
{
    ldg_store *s = ldg_chain_store(v->chain);
    ldg_err err = ldg_store_write(s, v->batch, sync);
    ldg_batch_free(v->batch);
    v->batch = ldg_batch_new(s);
    return err;
}

static ldg_err replay(ldg_chain *c, const ldg_registry *reg, ldg_verify_report *rep,
                      ldg_progress_fn progress, void *arg, bool reindex)
{
    memset(rep, 0, sizeof *rep);
    rep->ok = true;
    ldg_tip tip = ldg_chain_tip(c);
    verify_ctx v = {.reg = reg, .kv = ldg_memkv_new(), .chain = c};
    v.st = ldg_state_new(ldg_memkv_base(v.kv));
    if (reindex)
        v.batch = ldg_batch_new(ldg_chain_store(c));
    v.tree_kv = ldg_memkv_new();
    ldg_err err = ldg_smt_open(&v.tree, ldg_memkv_base(v.tree_kv), 0, true);
    LDG_ASSERT(err == LDG_OK);
    ldg_smt_set_retention(v.tree, LDG_SMT_LATEST_ONLY);
    for (uint64_t h = 0; h <= tip.height && rep->ok; h++) {
        ldg_record r;
        err = ldg_chain_read_block(c, h, &r);
        if (err != LDG_OK) {
            fail(rep, h, "block %llu is missing or corrupt", (unsigned long long)h);
            err = LDG_OK;
            break;
        }
        const char *why = r.header.height != h ? "the block's height differs from its position"
                          : h == 0             ? check_genesis(&v, &r)
                                               : check_block(&v, &r, rep);
        if (why)
            fail(rep, h, "%s", why);
        if (reindex && h == 0 && !why)
            ldg_chain_index_block(c, v.batch, v.st, 0, r.header.time_ms);
        v.prev_hash = r.hash;
        v.prev_time = r.header.time_ms;
        ldg_record_free(&r);
        rep->blocks++;
        uint64_t next = h + 1;
        if (h == 0 && !why && !reindex && (why = from_checkpoint(&v, &next)) != NULL)
            fail(rep, h, "%s", why);
        h = next - 1;
        if (reindex && rep->ok && h % REINDEX_BATCH_BLOCKS == REINDEX_BATCH_BLOCKS - 1)
            err = flush_index(&v, false);
        if (err != LDG_OK)
            break;
        if (progress && (h % 256 == 0 || h == tip.height))
            progress(arg, h, tip.height);
    }
    if (rep->ok && memcmp(v.root.b, tip.state_root.b, LDG_HASH_LEN) != 0)
        fail(rep, tip.height, "the stored tip state root differs from re-execution");
    if (reindex) {
        /* The index tip goes last, and only for an index that reached the tip. */
        if (err == LDG_OK && rep->ok)
            err = flush_index(&v, true);
        ldg_batch_free(v.batch);
    }
    ldg_state_free(v.st);
    ldg_memkv_free(v.kv);
    ldg_smt_free(v.tree);
    ldg_memkv_free(v.tree_kv);
    return err;
}
