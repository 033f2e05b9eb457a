/* Peer-to-peer transport of the multi-validator driver: the message codec (canonical
 * msgpack arrays, every field and the whole message bounded) and nng socket helpers
 * (tls+tcp with mutual authentication, or plain tcp when TLS is off).
 *
 * Messages (first element: kind):
 *   CONS      [1, type, has_block, validator, round, valid_round, height, block, sig,
 *              header_bytes|nil, [batch_digest...]|nil]   consensus message; a proposal
 *                                                   carries its header and the digests of
 *                                                   the batches its transactions come from
 *   BATCH     [2, origin, [tx...]]                  client transactions, from the node
 *                                                   that admitted them; its digest is
 *                                                   net_p2p_batch_digest of the txs'
 *                                                   ids and signatures
 *   SYNC_REQ  [3, from_height, max_blocks]          block sync request
 *   SYNC_REP  [4, tip_height, [record...]]          committed block records (ldg_chain)
 *   COMMIT    [5, record]                           a committed block, published to observers
 *   BATCH_REQ [6, digest]                           fetch a batch by digest (sync socket)
 *   BATCH_REP [7, digest, [tx...]]                  the batch, or [] if unknown
 *
 * Sockets (per node, from a HOST:PORT base): port+0 bus0 consensus, port+1 bus0 batches,
 * port+2 rep0 block sync, port+3 pub0 commits. */
#ifndef NET_P2P_H
#define NET_P2P_H

#include "ldg_block.h"
#include "ldg_chain.h"
#include "ldg_codec.h"
#include "net_consensus.h"

#include <nng/nng.h>

enum {
    NET_P2P_CONS = 1,
    NET_P2P_BATCH = 2,
    NET_P2P_SYNC_REQ = 3,
    NET_P2P_SYNC_REP = 4,
    NET_P2P_COMMIT = 5,
    NET_P2P_BATCH_REQ = 6,
    NET_P2P_BATCH_REP = 7,
};

/* Domain tag of a batch digest: TaggedHash(tag, id_0 || sig_0 || id_1 || sig_1 || ...), so
 * that a digest pins the bytes of its transactions, signatures included. */
#define NET_P2P_TAG_BATCH "folio/batch"

/* Port offsets from a node's base port. */
enum { NET_P2P_PORT_CONS = 0, NET_P2P_PORT_BATCH = 1, NET_P2P_PORT_SYNC = 2, NET_P2P_PORT_PUB = 3 };

/* ---- Limits ---- */
/* A consensus message without a block is ~200 bytes; 1 KiB leaves room for encoding. */
#define NET_P2P_VOTE_SIZE_MAX 1024
/* A proposal carries its header and at most one batch digest per transaction. */
#define NET_P2P_DIGESTS_MAX LDG_BLOCK_TX_MAX
#define NET_P2P_CONS_SIZE_MAX (8192 + NET_P2P_DIGESTS_MAX * 40)
/* Transactions per batch and bytes per batch message. The driver flushes every few ms,
 * so batches stay far below; the cap bounds what one peer can make us allocate. */
#define NET_P2P_BATCH_TX_MAX 4096
#define NET_P2P_BATCH_SIZE_MAX (4 * 1024 * 1024)
#define NET_P2P_SYNC_REQ_SIZE_MAX 64
/* Blocks per sync reply, and bytes: at least one block always fits. */
#define NET_P2P_SYNC_BLOCKS_MAX 64
#define NET_P2P_SYNC_SIZE_MAX (2 * LDG_BLOCK_SIZE_MAX + 256 * 1024)
/* A committed record: a block plus receipts and certificate. */
#define NET_P2P_RECORD_SIZE_MAX (2 * LDG_BLOCK_SIZE_MAX)

_Static_assert(NET_P2P_SYNC_SIZE_MAX >= NET_P2P_RECORD_SIZE_MAX + 1024, "one record per reply");
/* Connections whose identity a node keeps (all its p2p sockets together): six sockets per
 * peer at most, for up to 100 validators and observers, with room for reconnections. A new
 * connection beyond it is refused. */
#define NET_P2P_PEERS_MAX 1024

typedef struct net_p2p_msg {
    uint8_t kind;
    /* CONS */
    net_cons_msg cons;
    bool has_block;
    ldg_header header;
    const uint8_t *header_bytes;
    size_t header_len;
    /* CONS with block: batch digests (each 32 bytes, borrowed) */
    uint32_t digest_count;
    const uint8_t **digests;
    /* BATCH_REQ, BATCH_REP */
    ldg_hash digest;
    /* BATCH, BATCH_REP: transactions (borrowed from the input buffer) */
    uint32_t tx_count;
    const uint8_t **txs;
    size_t *tx_lens;
    /* BATCH */
    uint64_t origin;
    /* SYNC_REQ / SYNC_REP */
    uint64_t from_height;
    uint64_t max_blocks;
    uint64_t tip_height;
    /* SYNC_REP, COMMIT: records (borrowed) */
    uint32_t rec_count;
    const uint8_t **recs;
    size_t *rec_lens;
    ldg_dec dec;
    bool dec_live;
} net_p2p_msg;

/* Encoders. CONS: h NULL for a vote (or a proposal sent without its block). */
void net_p2p_enc_cons(ldg_enc *e, const net_cons_msg *m, const ldg_header *h,
                      const ldg_hash *digests, uint32_t nd);
void net_p2p_enc_batch_req(ldg_enc *e, const ldg_hash *digest);
void net_p2p_enc_batch_rep(ldg_enc *e, const ldg_hash *digest, const uint8_t *const *txs,
                           const size_t *lens, uint32_t n);
void net_p2p_batch_digest(ldg_hash *out, const ldg_tx_ref *refs, size_t n);
void net_p2p_enc_batch(ldg_enc *e, uint64_t origin, const uint8_t *const *txs, const size_t *lens,
                       uint32_t n);
void net_p2p_enc_sync_req(ldg_enc *e, uint64_t from_height, uint64_t max_blocks);
/* SYNC_REP: the array header; the caller then appends rec_count bins. */
void net_p2p_enc_sync_rep_head(ldg_enc *e, uint64_t tip_height, uint32_t rec_count);
void net_p2p_enc_commit(ldg_enc *e, const uint8_t *rec, size_t len);

/* Decodes one message of at most max bytes. Borrowed pointers point into data, which
 * must outlive out; free with net_p2p_msg_free. Returns LDG_ERR_TOO_LARGE over max,
 * LDG_ERR_DECODE for anything malformed (wrong kind, field out of domain, a proposal's
 * header that does not hash to its block id, a vote carrying a block). */
ldg_err net_p2p_decode(net_p2p_msg *out, const uint8_t *data, size_t len,
                       size_t max) LDG_WARN_UNUSED;
void net_p2p_msg_free(net_p2p_msg *m);

/* ---- who is at the other end (specs/consortium.md) ---- */

/* Every p2p connection is bound to its peer's certificate when it is added: a revoked
 * certificate (HOME/tls/revoked), or one that does not name its node, is refused; on the
 * consensus socket only validators' certificates are admitted. Messages are then checked
 * against the identity of the connection they arrived on. Without TLS connections carry no
 * identity and every check passes (tests and closed networks only). */
typedef struct net_p2p_peers net_p2p_peers;

typedef enum net_p2p_admit {
    NET_P2P_ADMIT_MEMBER = 0,    /* any member certificate (sync, publications, batches) */
    NET_P2P_ADMIT_VALIDATOR = 1, /* a validator's certificate only (consensus) */
} net_p2p_admit;

/* chain: whose validator set (at its tip) tells which keys are validators now. */
net_p2p_peers *net_p2p_peers_new(bool tls, const char *revoked_path, ldg_chain *chain);
void net_p2p_peers_free(net_p2p_peers *pp);
/* Watches socket s (before it listens or dials). 0 or an nng error. */
int net_p2p_peers_watch(net_p2p_peers *pp, nng_socket s, net_p2p_admit admit);

typedef enum net_p2p_verdict {
    NET_P2P_OK = 0,
    NET_P2P_RELAYED = 1, /* a vote of another validator: accept only if its signature holds */
    NET_P2P_FORWARD = 2, /* a batch from an observer: admit its transactions as a client's */
    NET_P2P_REFUSE = 3,  /* drop and disconnect (why says why) */
} net_p2p_verdict;

/* A consensus message m on connection p: a proposal only from the validator it names; a
 * vote from it, or relayed by another current validator (RELAYED); nothing from others. */
net_p2p_verdict net_p2p_check_cons(net_p2p_peers *pp, nng_pipe p, const net_cons_msg *m, char *why,
                                   size_t why_len);
/* A BATCH of origin `origin` on connection p: from a current validator, whose index it must
 * carry (OK); from another member (an observer) FORWARD: its batch is not taken as such. */
net_p2p_verdict net_p2p_check_batch(net_p2p_peers *pp, nng_pipe p, uint64_t origin, char *why,
                                    size_t why_len);

/* ---- sockets ---- */

typedef struct net_p2p_tls {
    bool on;
    char ca[4096], cert[4096], key[4096];
} net_p2p_tls;

/* "tls+tcp://host:(port+off)" or "tcp://..." from a HOST:PORT base. False if malformed. */
bool net_p2p_url(char *out, size_t len, const char *base, int off, bool tls);
/* Host part of a HOST:PORT base. */
void net_p2p_host(char *out, size_t len, const char *base);
/* Listens / dials (non-blocking: nng keeps redialling). 0 or an nng error, err set. */
int net_p2p_listen(nng_socket s, const char *base, int off, const net_p2p_tls *tls, char *err,
                   size_t err_len);
int net_p2p_dial(nng_socket s, const char *base, int off, const net_p2p_tls *tls, char *err,
                 size_t err_len);

/* Rate-limited log of peer misbehaviour ("folio: p2p: ..." on stderr): never more than 5
 * lines a second, whichever component logs. */
void net_p2p_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
