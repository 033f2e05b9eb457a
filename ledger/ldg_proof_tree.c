/* The seam between proof bundles and the authenticated state tree (ldg_smt.h, state.md §5):
 * proving one key at a height on a node, and checking one fact's path against a root
 * anywhere. Kept apart so that the bundle format does not depend on the tree's internals. */
#include "ldg_proof.h"
#include "ldg_smt.h"

#include <stdio.h>
#include <stdlib.h>

ldg_err ldg_proof_tree_prove(ldg_chain *c, uint64_t height, const uint8_t *key, size_t key_len,
                             bool *present, uint8_t **value, size_t *value_len, uint8_t **proof,
                             size_t *proof_len, char *why, size_t why_len)
{
    *present = false;
    *value = NULL;
    *value_len = 0;
    *proof = NULL;
    *proof_len = 0;
    if (ldg_smt_disabled()) {
        snprintf(why, why_len,
                 "this node runs without the state tree (FOLIO_STATE_ROOT=chain): its state "
                 "root proves no key");
        return LDG_ERR_UNAVAILABLE;
    }
    ldg_smt_proof *p = malloc(sizeof *p); /* ~25 KiB: not on the stack */
    LDG_ASSERT(p);
    ldg_err err =
        ldg_smt_prove(ldg_chain_tree_base(c), height, key, key_len, p, value, value_len, present);
    if (err == LDG_OK) {
        ldg_enc e;
        ldg_enc_init(&e);
        ldg_smt_proof_encode(&e, p);
        *proof = ldg_enc_take(&e, proof_len);
        ldg_enc_free(&e);
    } else if (err == LDG_ERR_PRUNED) {
        uint64_t floor = 0;
        if (ldg_chain_floor(c, &floor) != LDG_OK)
            floor = 0;
        snprintf(why, why_len,
                 "the state after block %llu is pruned: this node keeps the tree from block "
                 "%llu on (node.ini retain_blocks)",
                 (unsigned long long)height, (unsigned long long)floor);
    } else {
        snprintf(why, why_len, "the state tree of block %llu cannot be read (%s)",
                 (unsigned long long)height, ldg_err_str(err));
    }
    free(p);
    return err;
}

bool ldg_proof_tree_check(const ldg_hash *root, const ldg_proof_fact *f, bool *has_total,
                          uint64_t *total, char *why, size_t why_len)
{
    *has_total = false;
    *total = 0;
    ldg_smt_proof *p = malloc(sizeof *p); /* ~25 KiB: not on the stack */
    LDG_ASSERT(p);
    bool ok = false;
    ldg_err derr = ldg_smt_proof_decode(p, f->proof, f->proof_len);
    if (derr == LDG_ERR_INVALID) /* (an array whose first element is a small version) */
        snprintf(why, why_len,
                 "the path is a tree proof of version %u, another version than %d (versions 1 "
                 "and 2 proved the former state root, registers among the plain keys: "
                 "state.md §5.5)",
                 f->proof_len > 1 && f->proof[1] < 0x80 ? f->proof[1] : 0, LDG_SMT_PROOF_VERSION);
    else if (derr != LDG_OK)
        snprintf(why, why_len, "the path is not a tree proof of state.md §5.5");
    else {
        static const uint8_t empty[1];
        const uint8_t *v = f->present ? (f->value ? f->value : empty) : NULL;
        ok = ldg_smt_verify(root, f->key, f->key_len, v, f->value_len, p, has_total, total, why,
                            why_len) == LDG_OK;
    }
    free(p);
    return ok;
}
