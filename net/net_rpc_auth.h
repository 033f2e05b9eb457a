/* Who a caller is, the same way for every transport (specs/rpc.md §1.2, http.md §5).
 *
 * A caller proves a participant's key by a signature over what it sends and a time within
 * LDG_HTTP_AUTH_SKEW_MS of the node's clock: HTTP carries it in three headers over the HTTP
 * request (net_http_serve.c), the SP socket in a `signed` envelope over the msgpack request
 * (net_rpc_dispatch). Both end in net_rpc_credential, and the participant's registered
 * roles give its level in the method table (net_rpc_level_of): one rule for both. */
#ifndef NET_RPC_AUTH_H
#define NET_RPC_AUTH_H

#include "ldg_codec.h"
#include "ldg_exec.h"
#include "ldg_key.h"
#include "net_rpc_methods.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The method name of the envelope: ["signed", account bin20, time_ms u64, sig bin64,
 * request bin]. */
#define NET_RPC_SIGNED "signed"

/* The level a registered participant's roles give: a consortium member (any role but
 * investor: the members that may attest copies, evidence.md §2.4) or a participant. */
net_rpc_access net_rpc_level_of(const ldg_participant *p);

/* Checks a credential: time within LDG_HTTP_AUTH_SKEW_MS of the node's clock, account a
 * registered participant, sig a BIP-340 signature by its key over digest. True with *who
 * set; false with a sentence in why. */
bool net_rpc_credential(net_node *n, const ldg_account *acc, uint64_t time_ms, const ldg_sig *sig,
                        const ldg_hash *digest, ldg_participant *who, char *why, size_t why_len);

/* What a `signed` envelope's signature covers: SHA-256 of the text
 * "folio-rpc-v1" LF genesis-hex LF time-decimal LF hex(SHA-256(request)). */
void net_rpc_signed_digest(ldg_hash *out, const ldg_hash *genesis, uint64_t time_ms,
                           const uint8_t *req, size_t len);

/* Wraps the request req (canonical msgpack [method, args...]) in a `signed` envelope by kp
 * for the chain of genesis at time_ms: out is initialised and holds the envelope. */
ldg_err net_rpc_sign_request(ldg_enc *out, const ldg_keypair *kp, const ldg_hash *genesis,
                             uint64_t time_ms, const ldg_enc *req) LDG_WARN_UNUSED;

/* The envelope's request (its level raised to the signer's), dispatched: called by
 * net_rpc_dispatch when the method is NET_RPC_SIGNED. */
char *net_rpc_dispatch_signed(net_node *n, net_rpc_access caller, const msgpack_object *items,
                              uint32_t count, int *status);

#endif
