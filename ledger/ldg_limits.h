/* Every limit of folio, one #define each, with the reason for its number.
 * specs/limits.md lists them for users; keep the two in step.
 * Modules (VM, settlement, consensus) add their limits here, in their own section. */
#ifndef LDG_LIMITS_H
#define LDG_LIMITS_H

/* ---- transactions ---- */

/* Largest encoded transaction. A transfer is ~200 bytes; contract deployments are the
 * large case (EVM init code is capped at 49152 bytes by EIP-3860, plus arguments). */
#define LDG_TX_SIZE_MAX (64 * 1024)

/* Longest a transaction may stay valid after the block time it is checked against.
 * Bounds how long a signed transaction can be replayed into the mempool's view and keeps
 * the window in which a stolen, unsent transaction stays dangerous short. */
#define LDG_TX_TTL_MS_MAX (60ULL * 60 * 1000)

/* Replay guard: 16 random bytes chosen by the client; 2^-64 birthday bound at 2^32 txs
 * per sender within one TTL window is far beyond any broker's rate. */
#define LDG_TX_NONCE_LEN 16

/* Chain ids are short printable strings ("folio-3fa2c1d0"). */
#define LDG_CHAIN_ID_LEN_MAX 32

/* Participant names and instrument names shown to people. */
#define LDG_NAME_LEN_MAX 64
#define LDG_TEXT_LEN_MAX 256

/* ---- blocks ---- */

/* Transactions per block: large enough to carry the benchmark's tens of thousands of
 * transfers per second in a few blocks, small enough that a block commits as one RocksDB
 * write batch of a few MiB. */
#define LDG_BLOCK_TX_MAX 8192

/* Encoded block size; equals the tx cap times a typical small tx plus slack, and stays
 * below the RPC message cap so block sync can carry one block per message. */
#define LDG_BLOCK_SIZE_MAX (16 * 1024 * 1024)

/* A block is produced at most this long after the first pending transaction arrived, so
 * one transaction sees commit quickly while a burst is batched into one block. */
#define LDG_BLOCK_INTERVAL_MS 20

/* ---- node ---- */

/* Pending transactions held by one node; beyond it submissions get MEMPOOL_FULL and
 * clients back off. 100k transfers is ~20 MiB and several seconds of peak throughput. */
#define LDG_MEMPOOL_TX_MAX 100000

/* One RPC message (request or reply). A batch submission is at most
 * LDG_RPC_BATCH_TX_MAX transactions of average size; block sync sends one block. */
#define LDG_RPC_MSG_SIZE_MAX (LDG_BLOCK_SIZE_MAX + 64 * 1024)
#define LDG_RPC_BATCH_TX_MAX 1024

/* Results per page in list queries (holders, participants, assets). */
#define LDG_QUERY_ROWS_MAX 100000

/* ---- quantities ---- */

/* Quantities and amounts are unsigned 64-bit integers in the instrument's minor unit;
 * every addition is checked. An equity may have at most this many shares issued (2^62),
 * so that sums of two holdings never overflow before the check catches them. */
#define LDG_QUANTITY_MAX (1ULL << 62)

_Static_assert(LDG_RPC_MSG_SIZE_MAX > LDG_BLOCK_SIZE_MAX, "a block must fit one RPC message");
_Static_assert(LDG_TX_SIZE_MAX * 2 <= LDG_BLOCK_SIZE_MAX, "a block holds at least two max txs");

#endif
