/* proof [kind, key, height|nil, until_ms|nil]: the bundle proving key (for a holding, the
 * 'b' key; the instrument's record is added) in the state after block `height`, or after the
 * last block at or before until_ms, or after the tip's parent, the newest certified state
 * (specs/proofs.md §1). The reply carries the bundle's bytes in hex; the node does not verify
 * it (the client does, offline). */
#include "net_query_proof.h"
#include "ldg_proof.h"

#include "net_reply.h"

#include <jansson.h>
#include <stdlib.h>

static bool opt_u64(const msgpack_object *args, uint32_t nargs, uint32_t i, bool *has, uint64_t *v)
{
    *has = false;
    if (i >= nargs || args[i].type == MSGPACK_OBJECT_NIL)
        return true;
    *has = true;
    return ldg_obj_u64(&args[i], v);
}

char *net_query_proof(net_node *n, const char *method, const msgpack_object *args, uint32_t nargs,
                      int *status)
{
    (void)method;
    uint64_t kind;
    const uint8_t *key;
    size_t key_len;
    ldg_proof_at at = {0};
    if (nargs < 2 || nargs > 4 || !ldg_obj_u64(&args[0], &kind) ||
        !ldg_obj_bin_ref(&args[1], LDG_PROOF_KEY_MAX, &key, &key_len) ||
        !opt_u64(args, nargs, 2, &at.has_height, &at.height) ||
        !opt_u64(args, nargs, 3, &at.has_until, &at.until_ms))
        return net_reply_error(status, LDG_ERR_INVALID,
                               "proof takes a kind (1..5), a state key (binary of 1..%d bytes), "
                               "then optionally a height and a time in ms (each or nil)",
                               LDG_PROOF_KEY_MAX);
    uint8_t *bundle = NULL;
    size_t len = 0;
    uint64_t height = 0;
    char why[320];
    ldg_err err =
        ldg_proof_build(n->chain, kind, key, key_len, &at, &bundle, &len, &height, why, sizeof why);
    if (err != LDG_OK)
        return net_reply_error(status, err, "%s", why);
    char *hex = malloc(2 * len + 1);
    LDG_ASSERT(hex);
    ldg_hex_encode(hex, bundle, len);
    free(bundle);
    json_t *j = json_pack("{s:I,s:I,s:s}", "height", (json_int_t)height, "size", (json_int_t)len,
                          "bundle", hex);
    free(hex);
    return net_reply_dump(j, JSON_COMPACT, status);
}
