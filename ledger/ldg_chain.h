/* The chain: blocks in the store, the executor over the state, and the consensus seam.
 *
 * Consensus drives a chain through three calls, for one validator or many alike:
 *   propose  - build the next header from candidate transactions (the proposer only);
 *   execute  - validate a proposed block against the tip and run it on the overlay,
 *              giving its receipts and state root (every validator);
 *   commit   - store the block, its certificate, receipts and the state writes in ONE
 *              synced RocksDB write batch, then advance the tip.
 * A crash between any two instructions leaves the previous block or the new one.
 *
 * Threads: one thread drives propose/execute/commit; readers use ldg_chain_reader()
 * states (each over the committed store) and the read functions, which are safe from
 * any thread. */
#ifndef LDG_CHAIN_H
#define LDG_CHAIN_H

#include "ldg_block.h"
#include "ldg_exec.h"
#include "ldg_limits.h"
#include "ldg_store.h"

typedef struct ldg_genesis_participant {
    char name[LDG_NAME_LEN_MAX + 1];
    uint32_t roles;
    ldg_pubkey key;
} ldg_genesis_participant;

/* A member of the initial governance committee (specs/governance.md §2): a genesis
 * participant by name, with its weight. */
typedef struct ldg_genesis_member {
    char name[LDG_NAME_LEN_MAX + 1];
    uint64_t weight;
} ldg_genesis_member;

typedef struct ldg_genesis {
    char chain_id[LDG_CHAIN_ID_LEN_MAX + 1];
    uint64_t time_ms;
    uint32_t validator_count;
    ldg_pubkey validators[LDG_VALIDATORS_MAX];
    uint32_t participant_count;
    ldg_genesis_participant participants[LDG_GENESIS_PARTICIPANTS_MAX];
    /* Optional fifth field of the document: 0 = absent (a document of the four-field form,
     * whose committee is then its registrars, weight 1 each: specs/governance.md §2). */
    uint32_t committee_count;
    ldg_genesis_member committee[LDG_COMMITTEE_MEMBERS_MAX];
} ldg_genesis;

void ldg_genesis_encode(ldg_enc *e, const ldg_genesis *g);
/* Writes the genesis state (validators, participants) into st. */
void ldg_genesis_apply(ldg_state *st, const ldg_genesis *g);
/* The same, then the modules' genesis hooks (ldg_registry_add_genesis_hook); reg may be
 * NULL. What block 0 and `chain verify` write. */
void ldg_genesis_apply_all(const ldg_registry *reg, ldg_state *st, const ldg_genesis *g);
/* Reads the validator set from state; 0 if absent or corrupt. */
uint32_t ldg_validators_read(ldg_state *st, ldg_pubkey *out, uint32_t cap);
ldg_err ldg_genesis_decode(ldg_genesis *g, const uint8_t *data, size_t len) LDG_WARN_UNUSED;
/* The chain's identity that transactions sign (ldg_tx_sign_msg): TH("folio/genesis", the
 * canonical genesis document bytes, as in HOME/genesis.bin and the record of block 0). */
void ldg_genesis_hash_bytes(ldg_hash *out, const uint8_t *data, size_t len);
void ldg_genesis_hash(ldg_hash *out, const ldg_genesis *g);

typedef struct ldg_chain ldg_chain;

typedef struct ldg_tip {
    uint64_t height;
    uint64_t time_ms;
    ldg_hash hash;
    ldg_hash state_root; /* after executing `height` */
    uint64_t tx_total;   /* transactions in blocks 1..height */
} ldg_tip;

/* Opens the chain in db_path. If the store is empty and genesis is given, writes block 0;
 * if the store is empty and genesis is NULL, fails with LDG_ERR_NOT_FOUND. */
ldg_err ldg_chain_open(ldg_chain **out, const char *db_path, const ldg_registry *reg,
                       const ldg_genesis *genesis, bool read_only) LDG_WARN_UNUSED;
/* The block limits in force for the next block (head + 1): read from the state after the
 * head when the chain opens and at each commit (ldg_block_limits_read). The committing
 * thread's, like the head. */
ldg_block_limits ldg_chain_block_limits(ldg_chain *c);
/* What ldg_chain_open_report says about a store that did not open. */
typedef struct ldg_open_report {
    bool lost;         /* the store opened below its committed-height mark (ldg_mark.h) */
    bool stored_known; /* stored is known (the store, or its log read leniently, opened) */
    uint64_t stored;   /* the height the store recovers to: the last good block */
    bool committed_known;
    uint64_t committed; /* the height this store had confirmed durable (its mark) */
    char why[512];      /* the store's own words, if it said any */
} ldg_open_report;

/* ldg_chain_open, which also fails with LDG_ERR_CORRUPT when the store recovers fewer
 * blocks than it had confirmed durable, and says why in *rep: a node must never run on a
 * chain that lost committed blocks (specs/state.md §6.3). LDG_ERR_UNAVAILABLE: another
 * process holds the store. */
ldg_err ldg_chain_open_report(ldg_chain **out, const char *db_path, const ldg_registry *reg,
                              const ldg_genesis *genesis, bool read_only,
                              ldg_open_report *rep) LDG_WARN_UNUSED;
void ldg_chain_close(ldg_chain *c);

const char *ldg_chain_id(const ldg_chain *c);
bool ldg_chain_read_only(const ldg_chain *c);
/* The hash of the chain's genesis document (ldg_genesis_hash): what its transactions sign. */
const ldg_hash *ldg_chain_genesis_hash(const ldg_chain *c);
/* Blocks of state-tree history kept readable and provable (node.ini retain_blocks;
 * default LDG_SMT_RETAIN_DEFAULT; 0 keeps all; at least LDG_SMT_RETAIN_MIN). */
void ldg_chain_set_retention(ldg_chain *c, uint64_t blocks);
/* The store's tree family as a base, for past reads and proofs (ldg_smt.h); any thread. */
ldg_state_base ldg_chain_tree_base(ldg_chain *c);
/* Threads used to verify signatures not already checked (default: every core). */
void ldg_chain_set_verify_threads(ldg_chain *c, unsigned threads);
/* The chain's signature cache (ldg_sigcache.h): filled before each block runs, asked by its
 * handlers; for tests and metrics. */
ldg_sigcache *ldg_chain_sigcache(ldg_chain *c);
/* The executor's cache limits (default LDG_STATE_CACHE_KEYS / _BYTES); tests set small
 * ones to cross them often. */
void ldg_chain_set_cache_limits(ldg_chain *c, size_t keys, size_t bytes);
/* Test hook: the background writer sleeps this long before each write, so that blocks are
 * executed on top of several unstored ones. */
void ldg_chain_set_write_delay(ldg_chain *c, unsigned us);
ldg_tip ldg_chain_tip(ldg_chain *c); /* the last stored block; thread-safe snapshot */
/* The last committed block, stored or being stored (LDG_COMMIT_BACKGROUND): what the next
 * block builds on. Equal to the tip otherwise. For the thread that commits. */
ldg_tip ldg_chain_head(ldg_chain *c);
ldg_store *ldg_chain_store(ldg_chain *c);
/* Adds the tip record (and the index's tip and block time) of t to a batch: for a state
 * sync that installs a checkpoint into a closed store (ldg_snap.h). */
void ldg_chain_batch_tip(ldg_batch *b, const ldg_tip *t);
/* The validator set that certifies the block after the tip (copied out). */
uint32_t ldg_chain_validators(ldg_chain *c, ldg_pubkey *out, uint32_t cap);
/* The set that certifies block `height` (ldg_valset.h), read from the stored state: right
 * for any height up to tip + LDG_VALSET_LEAD; 0 if it cannot be read. *from (may be NULL):
 * the first height of that set. */
uint32_t ldg_chain_validators_at(ldg_chain *c, uint64_t height, ldg_pubkey *out, uint32_t cap,
                                 uint64_t *from);
/* The same, with *until the first height of the next recorded set (UINT64_MAX if none is
 * recorded yet): the set certifies [*from, *until) as far as the stored state knows. */
uint32_t ldg_chain_validators_range(ldg_chain *c, uint64_t height, ldg_pubkey *out, uint32_t cap,
                                    uint64_t *from, uint64_t *until);

/* ---- the consensus seam ---- */

typedef struct ldg_exec_out {
    uint32_t count;
    ldg_receipt *receipts; /* malloc'd, count entries */
    ldg_hash state_root;
    uint32_t ok_count;
} ldg_exec_out;

void ldg_exec_out_free(ldg_exec_out *o);

ldg_err ldg_chain_propose(ldg_chain *c, const uint8_t *const *txs, const size_t *lens, uint32_t n,
                          uint64_t time_ms, const ldg_pubkey *proposer,
                          ldg_header *out) LDG_WARN_UNUSED;
/* The same, with the transactions' ids and signatures already known (taken when they were
 * admitted); ldg_chain_execute still checks them against the bytes through the tx root. */
ldg_err ldg_chain_propose_refs(ldg_chain *c, const ldg_tx_ref *refs, const size_t *lens, uint32_t n,
                               uint64_t time_ms, const ldg_pubkey *proposer,
                               ldg_header *out) LDG_WARN_UNUSED;
/* Whether header h may be the next block given its transactions' ids and signatures (taken
 * when they were admitted or received) and sizes: chain id, height, time, the previous
 * block's hash and state root, the count, the size limits and the transaction root. It does
 * not execute: a multi-validator node votes on this and executes the block once decided. */
ldg_err ldg_chain_check(ldg_chain *c, const ldg_header *h, const ldg_tx_ref *refs,
                        const size_t *lens, uint32_t n) LDG_WARN_UNUSED;
/* verified[i] true: the signature of tx i was already checked (mempool cache); NULL means
 * verify all. Returns LDG_ERR_INVALID (with a reason logged) if the block is invalid. */
ldg_err ldg_chain_execute(ldg_chain *c, const ldg_header *h, const uint8_t *const *txs,
                          const size_t *lens, const bool *verified, bool dev_mode,
                          ldg_exec_out *out) LDG_WARN_UNUSED;
ldg_err ldg_chain_commit(ldg_chain *c, const ldg_header *h, const uint8_t *const *txs,
                         const size_t *lens, const ldg_cert *cert,
                         const ldg_exec_out *out) LDG_WARN_UNUSED;
/* How a commit reaches the disk. SYNCED: written and fsynced before the call returns (what
 * ldg_chain_commit does). UNSYNCED: written (it survives the process, not the machine)
 * until the next synced commit or ldg_chain_persist. BACKGROUND: unsynced, and written by
 * the chain's writer thread while the caller goes on executing the next block on top of
 * it: the block is the head (ldg_chain_head) at once and the tip (ldg_chain_tip, what
 * readers see) once stored; at most LDG_CHAIN_WRITES_IN_FLIGHT writes are queued. For blocks that
 * can be had again (block sync): one fsync per run of blocks, and storing overlaps executing. */
typedef enum ldg_commit_mode {
    LDG_COMMIT_SYNCED,
    LDG_COMMIT_UNSYNCED,
    LDG_COMMIT_BACKGROUND,
} ldg_commit_mode;
ldg_err ldg_chain_commit_ex(ldg_chain *c, const ldg_header *h, const uint8_t *const *txs,
                            const size_t *lens, const ldg_cert *cert, const ldg_exec_out *out,
                            ldg_commit_mode mode) LDG_WARN_UNUSED;
/* Waits for a background write, then makes every commit so far durable (fsync). An error
 * (also of an earlier background write) means the store has stopped. */
ldg_err ldg_chain_persist(ldg_chain *c) LDG_WARN_UNUSED;
void ldg_chain_abandon(ldg_chain *c);

/* ---- reading ---- */

/* A fresh overlay over the committed state, for queries (free with ldg_state_free). */
ldg_state *ldg_chain_reader(ldg_chain *c);

/* A read-only overlay over the state as of block `height`, read from the state tree (free
 * with ldg_state_free). Point reads are exact. A prefix scan of one instrument's holdings
 * ('b' ‖ id12) lists that register at the height; any other prefix scan lists the keys of
 * the current state that existed at the height, with their values then (the registries it
 * serves — instruments, participants — never delete keys). LDG_ERR_PRUNED: the height is
 * below the retention window; LDG_ERR_NOT_FOUND: above the stored tip; LDG_ERR_UNAVAILABLE:
 * the node runs without the tree (FOLIO_STATE_ROOT=chain). */
ldg_err ldg_chain_reader_at(ldg_chain *c, uint64_t height, ldg_state **out) LDG_WARN_UNUSED;

/* The lowest height ldg_chain_reader_at still reads (0 if nothing was pruned). */
ldg_err ldg_chain_floor(ldg_chain *c, uint64_t *floor) LDG_WARN_UNUSED;

typedef struct ldg_record {
    ldg_header header;
    ldg_hash hash;
    uint32_t tx_count;
    const uint8_t **txs; /* into raw */
    size_t *tx_lens;
    ldg_cert cert;
    ldg_receipt *receipts;
    ldg_hash state_root;
    const uint8_t *genesis; /* block 0 only */
    size_t genesis_len;
    uint8_t *raw;
    size_t raw_len;
    ldg_dec dec;
} ldg_record;

ldg_err ldg_chain_read_block(ldg_chain *c, uint64_t height, ldg_record *out) LDG_WARN_UNUSED;
void ldg_record_free(ldg_record *r);
/* Where a committed transaction is: LDG_ERR_NOT_FOUND if not committed. */
ldg_err ldg_chain_find_tx(ldg_chain *c, const ldg_hash *id, uint64_t *height,
                          uint32_t *index) LDG_WARN_UNUSED;

/* ---- the index of notes (specs/state.md §8) ----
 *
 * Each committed block's notes (ldg_state_note) are stored in LDG_CF_INDEX in the block's
 * own write batch: under each of the note's keys (positioned keys followed by
 * be64(height) || be32(seq)), a row of LDG_NOTE_ROW_HEADER bytes then the note's value:
 *   be64(height) be64(time_ms) be32(seq) u8(in_tx) be32(tx index) be16(tx type) txid[32]
 * The chain's own rows start with a zero byte: "\0tip" -> be64(last indexed height) and
 * "\0t" be64(height) -> be64(block time), for every block. Derived from executed blocks,
 * outside the state root: on open, an index that does not reach the tip is rebuilt by
 * re-executing the chain (ldg_chain_reindex). */
#define LDG_NOTE_ROW_HEADER 59

typedef struct ldg_note_row {
    uint64_t height, time_ms;
    uint32_t seq;
    ldg_note_origin origin;
    const uint8_t *val; /* into the row */
    size_t vlen;
} ldg_note_row;

/* Splits an index row; false if it is shorter than its header. */
bool ldg_note_row_parse(const uint8_t *row, size_t len, ldg_note_row *out);
/* Calls fn for each index row under prefix from the first key at or after start (which
 * begins with prefix), in key order, until fn returns false. Thread-safe; one snapshot. */
ldg_err ldg_chain_index_scan(ldg_chain *c, const void *prefix, size_t plen, const void *start,
                             size_t slen, ldg_scan_fn fn, void *arg) LDG_WARN_UNUSED;
/* The same in reverse key order, from the last row at or before start. */
ldg_err ldg_chain_index_scan_back(ldg_chain *c, const void *prefix, size_t plen, const void *start,
                                  size_t slen, ldg_scan_fn fn, void *arg) LDG_WARN_UNUSED;
/* One index row by exact key: LDG_ERR_NOT_FOUND if none; *val malloc'd. */
ldg_err ldg_chain_index_get(ldg_chain *c, const void *key, size_t klen, uint8_t **val,
                            size_t *vlen) LDG_WARN_UNUSED;
/* Whether the index covers every stored block (false: a read-only open of a store without
 * it, or a rebuild that failed). */
bool ldg_chain_index_ready(ldg_chain *c);
/* The time of a stored block, from the index (LDG_ERR_CORRUPT if it lacks it). */
ldg_err ldg_chain_block_time(ldg_chain *c, uint64_t height, uint64_t *time_ms) LDG_WARN_UNUSED;
/* The first height whose block time is at or after time_ms (tip + 1 if none), by binary
 * search over the index's block times: block times strictly increase. */
ldg_err ldg_chain_height_at(ldg_chain *c, uint64_t time_ms, uint64_t *height) LDG_WARN_UNUSED;
/* The registry the chain executes with. */
const ldg_registry *ldg_chain_registry(const ldg_chain *c);
/* Adds the index rows of a block (its notes in st, its time) to a batch. For the chain and
 * its rebuild. */
void ldg_chain_index_block(ldg_chain *c, ldg_batch *b, ldg_state *st, uint64_t height,
                           uint64_t time_ms);
/* ---- verification ---- */

typedef struct ldg_verify_report {
    bool ok;
    uint64_t blocks;        /* blocks checked */
    uint64_t txs;           /* transactions re-executed */
    uint64_t broken_height; /* first height that failed, if !ok */
    char reason[256];
} ldg_verify_report;

typedef void (*ldg_progress_fn)(void *arg, uint64_t done, uint64_t total);

/* Re-checks every block from genesis: links, tx roots, certificates, signatures, and the
 * state roots by re-executing into an in-memory state. */
ldg_err ldg_chain_verify(ldg_chain *c, const ldg_registry *reg, ldg_verify_report *rep,
                         ldg_progress_fn progress, void *arg) LDG_WARN_UNUSED;

/* Deletes every index row, re-executes the stored chain from genesis (checking it as
 * ldg_chain_verify does) and writes the notes of every block, then the index tip. On
 * failure the index stays incomplete (not ready) and rep says why. */
ldg_err ldg_chain_reindex(ldg_chain *c, ldg_verify_report *rep) LDG_WARN_UNUSED;

/* Verifies the signatures of n decoded transactions for the chain of genesis hash
 * `genesis` on `threads` threads. */
void ldg_verify_parallel(const ldg_tx *txs, uint32_t n, bool *ok, unsigned threads,
                         const ldg_hash *genesis);

#endif
