/* Callers' credentials, for every transport (net_rpc_auth.h). */
#include "net_rpc_auth.h"

#include "ldg_chain.h"
#include "ldg_hash.h"
#include "ldg_limits.h"
#include "net_node.h"

#include <stdio.h>
#include <string.h>

net_rpc_access net_rpc_level_of(const ldg_participant *p)
{
    return (p->roles & LDG_ROLE_ALL & ~(uint32_t)LDG_ROLE_INVESTOR) ? NET_RPC_MEMBER
                                                                    : NET_RPC_PARTICIPANT;
}

bool net_rpc_credential(net_node *n, const ldg_account *acc, uint64_t time_ms, const ldg_sig *sig,
                        const ldg_hash *digest, ldg_participant *who, char *why, size_t why_len)
{
    uint64_t now = net_clock_now_ms(&n->clock) + atomic_load(&n->time_offset_ms);
    if (time_ms + LDG_HTTP_AUTH_SKEW_MS < now || time_ms > now + LDG_HTTP_AUTH_SKEW_MS) {
        snprintf(why, why_len,
                 "the credential's time is more than %d ms from the node's clock (%llu)",
                 LDG_HTTP_AUTH_SKEW_MS, (unsigned long long)now);
        return false;
    }
    ldg_state *st = ldg_chain_reader(n->chain);
    bool found = false;
    ldg_err err = ldg_participant_get(st, acc, who, &found);
    ldg_state_free(st);
    if (err != LDG_OK || !found) {
        snprintf(why, why_len, "the credential's account is not a participant");
        return false;
    }
    if (!ldg_verify(sig, digest, &who->pubkey)) {
        snprintf(why, why_len,
                 "the credential's signature does not verify with the participant's key "
                 "(specs/rpc.md §1.2, http.md §5 give the signed bytes)");
        return false;
    }
    return true;
}

void net_rpc_signed_digest(ldg_hash *out, const ldg_hash *genesis, uint64_t time_ms,
                           const uint8_t *req, size_t len)
{
    ldg_hash rh;
    ldg_sha256(&rh, len ? req : (const uint8_t *)"", len);
    char gh[2 * LDG_HASH_LEN + 1], rx[2 * LDG_HASH_LEN + 1], m[200];
    ldg_hex_encode(gh, genesis->b, LDG_HASH_LEN);
    ldg_hex_encode(rx, rh.b, LDG_HASH_LEN);
    int k =
        snprintf(m, sizeof m, "folio-rpc-v1\n%s\n%llu\n%s", gh, (unsigned long long)time_ms, rx);
    LDG_ASSERT(k > 0 && (size_t)k < sizeof m);
    ldg_sha256(out, m, (size_t)k);
}

ldg_err net_rpc_sign_request(ldg_enc *out, const ldg_keypair *kp, const ldg_hash *genesis,
                             uint64_t time_ms, const ldg_enc *req)
{
    ldg_hash d;
    ldg_sig sig;
    ldg_account acc;
    net_rpc_signed_digest(&d, genesis, time_ms, ldg_enc_data(req), ldg_enc_len(req));
    ldg_err e = ldg_sign(&sig, kp, &d);
    if (e != LDG_OK)
        return e;
    ldg_account_of(&acc, &kp->pub);
    ldg_enc_init(out);
    ldg_enc_array(out, 5);
    ldg_enc_str(out, NET_RPC_SIGNED);
    ldg_enc_bin(out, acc.b, LDG_ACCOUNT_LEN);
    ldg_enc_u64(out, time_ms);
    ldg_enc_bin(out, sig.b, LDG_SIG_LEN);
    ldg_enc_bin(out, ldg_enc_data(req), ldg_enc_len(req));
    return LDG_OK;
}

char *net_rpc_dispatch_signed(net_node *n, net_rpc_access caller, const msgpack_object *items,
                              uint32_t count, int *status)
{
    ldg_account acc;
    uint64_t t;
    ldg_sig sig;
    const uint8_t *req;
    size_t len;
    if (count != 5 || !ldg_obj_bin(&items[1], acc.b, LDG_ACCOUNT_LEN) ||
        !ldg_obj_u64(&items[2], &t) || !ldg_obj_bin(&items[3], sig.b, LDG_SIG_LEN) ||
        !ldg_obj_bin_ref(&items[4], LDG_RPC_REQUEST_SMALL_MAX, &req, &len))
        return net_rpc_error(status, LDG_ERR_DENIED,
                             "a signed request is [\"signed\", account (20 bytes), time (ms), "
                             "signature (64 bytes), request (bytes)]");
    ldg_hash d;
    ldg_participant who;
    char why[256];
    net_rpc_signed_digest(&d, ldg_chain_genesis_hash(n->chain), t, req, len);
    if (!net_rpc_credential(n, &acc, t, &sig, &d, &who, why, sizeof why))
        return net_rpc_error(status, LDG_ERR_DENIED, "%s", why);
    net_rpc_access level = net_rpc_level_of(&who);
    return net_rpc_dispatch_inner(n, caller > level ? caller : level, req, len, status);
}
