/* Block sync: a lagging or restarted node fetches committed block records from peers
 * (req0/rep0), checks each certificate against the validator set at its tip
 * (ldg_cert_verify), re-executes the block (ldg_chain_execute; the transactions'
 * signatures are vouched for by the certificate, the state root is recomputed) and commits
 * it. Observers apply the records published on commit (pub0) the same way.
 * specs/consensus.md, section 13. */
#ifndef NET_SYNC_H
#define NET_SYNC_H

#include "ldg_chain.h"
#include "net_p2p.h"

/* A committed block record as received from a peer (pointers into the raw bytes). */
typedef struct net_sync_block {
    ldg_header header;
    ldg_hash hash;
    uint32_t tx_count;
    const uint8_t **txs;
    size_t *tx_lens;
    ldg_cert cert;
    ldg_hash state_root; /* the sender's claim; only the next certified header is proof */
    ldg_dec dec;
    bool live;
} net_sync_block;

ldg_err net_sync_decode(net_sync_block *b, const uint8_t *raw, size_t len) LDG_WARN_UNUSED;
void net_sync_block_free(net_sync_block *b);

/* Applies a record for height tip+1. LDG_ERR_INVALID: not the next block, or its
 * certificate is bad, or its transactions do not match the certified header's tx_root
 * (the peer is wrong: drop it). LDG_ERR_DIVERGED: the certified block builds on a state
 * root other than ours: this replica diverged (why says how; the caller stops). Other
 * errors: local failures. The transactions' signatures are not verified again (the
 * certificate vouches for them, and its header's tx_root for their bytes); all else is
 * checked. */
ldg_err net_sync_apply(ldg_chain *c, const net_sync_block *b, bool dev, char *why,
                       size_t why_len) LDG_WARN_UNUSED;

/* Builds the reply to a SYNC_REQ: records from from_height on, bounded in count and bytes. */
void net_sync_reply(ldg_chain *c, const net_p2p_msg *req, ldg_enc *rep);

#endif
