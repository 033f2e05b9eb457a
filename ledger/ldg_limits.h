/* Every limit of folio, one #define each, with the reason for its number.
 * specs/limits.md lists them for users; keep the two in step.
 *
 * Modules keep their limits here, in their own section, under their own prefix (STL_,
 * NET_, CLI_, LDG_EVM_): this header includes nothing, so the ledger never depends on a
 * module; the module headers include this one. Limits not yet here (assets, the VM's
 * ledger glue, the p2p and BFT drivers, a few file-local constants) are listed in
 * specs/limits.md with the file that still defines them. */
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

/* The two above are the ceilings of the governed parameters block.max_txs and
 * block.max_bytes (specs/governance.md §5): the committee may lower a chain's limits, never
 * above these, so every buffer sized by them stays large enough. The floors keep a chain
 * that the committee mis-set usable: a block carries at least a committee's round of
 * votes (LDG_COMMITTEE_MEMBERS_MAX), and two transactions of the largest size. */
#define LDG_BLOCK_TX_FLOOR 64
#define LDG_BLOCK_SIZE_FLOOR (2 * LDG_TX_SIZE_MAX)

/* The proposer leaves this much of LDG_BLOCK_SIZE_MAX for the block's own encoding (header,
 * refs, framing), so a full block fits one RPC or sync message. */
#define LDG_BLOCK_SIZE_SLACK (1024 * 1024)

/* A block is produced at most this long after the first pending transaction arrived, so
 * one transaction sees commit quickly while a burst is batched into one block. */
#define LDG_BLOCK_INTERVAL_MS 20

/* Chain time (net_clock.h, consensus.md §16). A node's clock follows its wall clock but
 * runs ahead of its monotonic clock by at most 1/LDG_CLOCK_GAIN_DIV (1 %, 36 s an hour):
 * a forward step of one validator's wall clock moves chain time by at most 1 % of the time
 * the step lasts (a +2 h step corrected after 10 minutes: 6 s), and a client (expiry = its
 * clock + 10 minutes) is refused only if a step was left for more than 16 hours. A
 * legitimate forward correction is caught up at the same rate (or at once on restart). */
#define LDG_CLOCK_GAIN_DIV 100

/* A validator refuses a proposal whose time is more than this ahead of its own clock, so
 * chain time never runs ahead of every honest validator's clock by more than this. NTP
 * keeps clocks within tens of milliseconds; 5 s leaves room for a poorly synced one. */
#define LDG_CLOCK_AHEAD_MAX_MS 5000

/* An idle chain makes no blocks but one empty block when its tip is this old: observers
 * (and chains anchored to this one) see the validators alive and chain time advancing;
 * 288 small blocks a day instead of one every 500 ms. */
#define LDG_BLOCK_HEARTBEAT_MS (5 * 60 * 1000ULL)

/* ---- node ---- */

/* Pending transactions held by one node; beyond it submissions get MEMPOOL_FULL and
 * clients back off. 100k transfers is ~20 MiB and several seconds of peak throughput. */
#define LDG_MEMPOOL_TX_MAX 100000

/* One RPC message (request or reply). A batch submission is at most
 * LDG_RPC_BATCH_TX_MAX transactions of average size; block sync sends one block. */
#define LDG_RPC_MSG_SIZE_MAX (LDG_BLOCK_SIZE_MAX + 64 * 1024)
#define LDG_RPC_BATCH_TX_MAX 1024

/* ---- RPC server (net_rpc_server.c, net_rpc_methods.c; specs/rpc.md §1) ---- */

/* The largest request of a method that is not `submit` or `contract_query`: a method name
 * and a few short arguments (names, ids, heights, paging cursors) fit in far less. A
 * larger frame is refused TOO_LARGE as soon as its method name is read. */
#define LDG_RPC_REQUEST_SMALL_MAX 4096
/* `contract_query` carries call input of at most one transaction's size. */
#define LDG_RPC_REQUEST_QUERY_MAX (LDG_TX_SIZE_MAX + 4096)
/* Open connections per RPC listener. At the cap a new connection closes the one idle
 * longest (no byte received for the longest time, no request being served), so stallers
 * cannot lock legitimate clients out; 256 x the idle cost below is ~1 MiB. */
#define LDG_RPC_CONN_MAX 256
/* A frame (and the SP handshake) must arrive whole within this time of its first byte;
 * 16 MiB in 10 s is 1.7 MB/s, far below any link a client uses. Slower: closed. */
#define LDG_RPC_FRAME_TIMEOUT_MS 10000
/* A connection that sends nothing between requests for this long is closed (clients
 * such as the CLI reconnect transparently). */
#define LDG_RPC_IDLE_TIMEOUT_MS 120000
/* A frame's buffer starts at this size and doubles as bytes arrive, never past the
 * declared length: a sender that declares 16 MiB and stalls costs this, not 16 MiB. */
#define LDG_RPC_RX_INITIAL 256
/* Bytes buffered for requests in flight beyond LDG_RPC_REQUEST_SMALL_MAX each, summed over
 * a listener's connections: 8 maximal submissions at once. A frame that would pass it is
 * refused UNAVAILABLE (retry later); small requests are never refused by it. */
#define LDG_RPC_RX_BUDGET (8 * LDG_RPC_MSG_SIZE_MAX)
/* Hops of a request's SP backtrace (REQ id plus devices), as nng's rep0 default TTL. */
#define LDG_RPC_SP_HOPS_MAX 8

/* ---- HTTP API (net_http*.c; specs/http.md §4) ---- */

/* A request's line and headers together: far above what a client sends (a few hundred
 * bytes with the credential headers); more is 431. */
#define LDG_HTTP_HEAD_MAX 8192
/* Header lines of one request (more: 431), so a head of tiny lines costs bounded work. */
#define LDG_HTTP_HEADERS_MAX 64
/* The request target (path and query): ids, names, cursors and a few parameters. */
#define LDG_HTTP_TARGET_MAX 2048
/* The largest body: a maximal `submit` as JSON carries its bytes as hex, twice the RPC
 * message, plus framing. Each route accepts less (twice its method's request limit plus
 * 4 KiB, net_http_body_max); a larger Content-Length is 413 before any body byte is read. */
#define LDG_HTTP_BODY_MAX (2 * LDG_RPC_MSG_SIZE_MAX + 4096)
/* The body limit of a route whose method is not in the table. */
#define LDG_HTTP_BODY_SMALL_MAX 4096
/* Open connections per HTTP listener; at the cap a new one closes the one idle longest,
 * as for the RPC (LDG_RPC_CONN_MAX), so stallers cannot lock clients out. */
#define LDG_HTTP_CONN_MAX 256
/* A request (head and body) must arrive whole within this time of its first byte, and a
 * reply be taken within it: a slow client is answered 408 (if it can still take it) and
 * closed. 32 MiB in 20 s is 1.7 MB/s. */
#define LDG_HTTP_REQUEST_TIMEOUT_MS 20000
/* A keep-alive connection silent this long between requests is closed. */
#define LDG_HTTP_IDLE_TIMEOUT_MS 60000
/* Body buffers beyond LDG_HTTP_BODY_SMALL_MAX each, summed over a listener's connections:
 * 4 maximal submissions at once; a body that would pass it is answered 503. A buffer starts
 * at LDG_HTTP_BODY_SMALL_MAX and grows fourfold as bytes arrive, never past the declared
 * length: a staller costs 4 KiB, 256 of them 1 MiB. */
#define LDG_HTTP_RX_BUDGET (4 * LDG_HTTP_BODY_MAX)
/* Event-stream subscribers (/v1/events) at once; one more is answered 503. */
#define LDG_HTTP_SSE_MAX 64
/* Event bytes queued for one subscriber that does not read them; past it the subscriber is
 * closed (it reconnects and resumes with Last-Event-ID), so a stalled reader costs this. */
#define LDG_HTTP_SSE_BACKLOG_MAX (1024 * 1024)
/* Accounts and instruments one subscription filters on (query parameters). */
#define LDG_HTTP_SSE_FILTERS_MAX 16
/* Blocks an event stream replays after Last-Event-ID before it follows the tip; a
 * subscriber further behind reads the blocks over /v1/blocks. */
#define LDG_HTTP_SSE_REPLAY_MAX 1000
/* A participant credential's X-Folio-Time must be within this of the node's clock
 * (specs/http.md §5): a captured request replays for at most this long. */
#define LDG_HTTP_AUTH_SKEW_MS 60000
/* A reply's status line and headers: ours (~200 bytes) plus a route's extra lines (the
 * explorer's Content-Security-Policy, ~250); a reply whose head would not fit is answered
 * 500 TOO_LARGE instead (specs/http.md §3), so a long header value never overruns. */
#define LDG_HTTP_REPLY_HEAD_MAX 2048
/* A connection's send buffer (RPC and HTTP, net_stream_server.c) is kept between replies up
 * to this size, and freed when larger: no allocation per small reply, no large reply held by
 * an idle connection (256 connections × 16 KiB = 4 MiB at most). */
#define LDG_STREAM_OUT_KEEP 16384
/* At stop, replies in flight get this long before their connections are closed. */
#define LDG_HTTP_STOP_DRAIN_MS 2000

/* The executor's overlay keeps committed values cached across blocks (ldg_state_settle);
 * past this many keys or this much value memory it keeps only the keys the last block
 * looked up (empty if those alone are past). Hot keys (participants, instruments,
 * balances) are so read from RocksDB once instead of once per block; one-off keys (replay
 * records) do not pile up. */
#define LDG_STATE_CACHE_KEYS (128 * 1024)
#define LDG_STATE_CACHE_BYTES (32 * 1024 * 1024)

/* Signature checks remembered ahead of execution (ldg_sigcache.h): 64 Ki entries of 32
 * bytes (2 MiB per chain), four to a bucket, replaced in place when a bucket is full. Twice
 * LDG_SIGCACHE_BLOCK_JOBS, so that one block's gathered checks are still there when the
 * block runs. A power of two (indexed by mask). */
#define LDG_SIGCACHE_SLOTS 65536
/* Validator keys kept lifted to curve points by the signature cache (ldg_sigcache.c): 64 Ki
 * slots of 96 bytes (6 MiB per chain) filled to half, the keys of ~2,000 16-validator
 * sub-chains; past it a key is lifted at each use. A power of two (indexed by mask). */
#define LDG_SIGCACHE_KEY_SLOTS 65536
/* Signature checks gathered ahead of one block (ldg_exec_sigjobs): 32 Ki jobs of 128 bytes
 * (4 MiB transient), ~3,000 checkpoints of a 16-validator sub-chain; the rest of a larger
 * block are verified inline by their handler, as without the cache. */
#define LDG_SIGCACHE_BLOCK_JOBS 32768

/* Background writes queued at most (LDG_COMMIT_BACKGROUND, block sync): two, so that a
 * slow write (a memtable switch, a flush being scheduled) does not stall execution at once.
 * The executor's cache holds every value of the queued blocks until they are stored. */
#define LDG_CHAIN_WRITES_IN_FLIGHT 2

/* RocksDB write-ahead log kept about this large: past it, the column families still
 * holding the oldest log are flushed to tables. A node killed under load replays its whole
 * log when it opens the store again (~13 ms per MB here, skiplist inserts) before it can
 * catch up; RocksDB's default (four times the write buffers, 1 GiB here) let a killed node
 * replay 110 MB (0.8-1.7 s). Each store draws its own cap between 3/4 and 5/4 of this at
 * open, so that replicas fed the same blocks do not all flush at once (at 32 MiB and no
 * jitter the four validators of bench_cluster flushed together and its p99 latency went
 * from ~50 to ~450 ms). bench_node measured no change in throughput at this size. */
#define LDG_STORE_WAL_MAX (16 * 1024 * 1024)

/* The node process's malloc (net_node_open, mallopt): blocks up to LDG_MALLOC_MMAP_MAX
 * come from the heap and are reused, and up to LDG_MALLOC_TRIM_MAX of free heap is kept
 * rather than handed back. glibc's defaults map each large block (a block's write batch,
 * record, decoded transactions) afresh and unmap it after, so every block paid a page fault
 * and a zeroed page per 4 KiB it touched: ~6% of the executor thread in profiles of
 * bench_node, halved by these. The cost is that up to LDG_MALLOC_TRIM_MAX of memory
 * freed after a burst stays with the process (its peak is unchanged). */
#define LDG_MALLOC_MMAP_MAX (32 * 1024 * 1024)
#define LDG_MALLOC_TRIM_MAX (256 * 1024 * 1024)

/* Rows one internal state scan visits: the contract VM's storage scans (a self-destructed
 * contract's slots, storage dumps). Part of the state transition, so it must not change; no
 * RPC list uses it any more (they are paged: LDG_QUERY_PAGE_MAX). */
#define LDG_QUERY_ROWS_MAX 100000

/* Notes (ldg_state_note, specs/state.md §8): derived records a block's execution attaches
 * for the chain's index column family, outside the state root. A movement is indexed per
 * account and per account and instrument (2 keys), a freeze by instrument and account: 4
 * keys leave room. A key is a module prefix, an account, an instrument and the 12-byte
 * position the chain appends: 64 bytes hold it. A movement's record is ~120 bytes; 512
 * bounds what a note costs in the block's write batch. */
#define LDG_NOTE_KEYS_MAX 4
#define LDG_NOTE_KEY_LEN_MAX 64
#define LDG_NOTE_VALUE_MAX 512

/* Rows one page of a filtered list (control list, investor list) may read and skip when
 * its filters refuse them; the page then ends early with a cursor to go on from. Bounds a
 * page's work (a few ms) whatever the filters match. Account history needs no such bound:
 * its filters are key ranges of the index. */
#define LDG_QUERY_SKIP_MAX 20000

/* Rows per page of a list query (participants, assets, holders, balance, trades, cycles,
 * queue, actions, contract lists): a client follows the reply's "next" cursor for more
 * (specs/rpc.md "Paging"). 1,000 rows of at most LDG_QUERY_ROW_JSON_MAX make at most ~8 MiB,
 * half the client's message limit, and a page is a few milliseconds of work. */
#define LDG_QUERY_PAGE_MAX 1000
/* Upper bound on one list row's JSON. A row holds fixed-size fields (ids, accounts as hex,
 * integers, dates, names of enums) and at most 4 texts of at most LDG_NAME_LEN_MAX or
 * AST_ID_LEN bytes (participant and instrument names, ISINs, a trade's 4 parties), each at
 * most 6 bytes a byte when escaped: 4 * 6 * 64 + 2 KiB of fixed fields < 8 KiB. */
#define LDG_QUERY_ROW_JSON_MAX 8192
/* A cursor is the sort key of a row as text: a name (LDG_NAME_LEN_MAX), an instrument id, a
 * decimal id, a "height:seq" (20 + 1 + 10), or a holder's account hex (40). */
#define LDG_QUERY_CURSOR_MAX 64

/* ---- replies (specs/rpc.md) ---- */

/* A transaction's payload is rendered as JSON in a `tx` or `block` reply only if its JSON
 * can be at most this long, counted before anything is built (every string byte as a
 * 6-byte escape, a long binary as its size); otherwise the reply gives the payload's size in
 * its place. A 64 KiB transaction of 65,000 empty arrays made ~8.5 MB of JSON objects per
 * transaction, and a block of them a 32 MB reply; every real payload is far smaller. */
#define LDG_REPLY_PAYLOAD_JSON_MAX 4096
/* Upper bound on one transaction's JSON in a `tx` or `block` reply: the payload budget, the
 * receipt detail and the sender name escaped at 6 bytes a byte, and 2 KiB for the fixed
 * fields (ids, account, type name, receipt code, name, message, 64-byte data as hex). */
#define LDG_REPLY_TX_JSON_MAX                                                                      \
    (LDG_REPLY_PAYLOAD_JSON_MAX + 6 * LDG_TEXT_LEN_MAX + 6 * LDG_NAME_LEN_MAX + 2048)
/* Transactions per `block` reply: a block holds up to LDG_BLOCK_TX_MAX (8192); the rest are
 * read by following the reply's `next` cursor. */
#define LDG_REPLY_BLOCK_TXS_MAX 1000

/* ---- quantities ---- */

/* Quantities and amounts are unsigned 64-bit integers in the instrument's minor unit;
 * every addition is checked. An equity may have at most this many shares issued (2^62),
 * so that sums of two holdings never overflow before the check catches them. */
#define LDG_QUANTITY_MAX (1ULL << 62)

/* ---- chain and validators ---- */

/* Validators in one chain. 3f+1 with f up to 33 covers any consortium we expect; the
 * certificate and vote buffers are sized by it. */
#define LDG_VALIDATORS_MAX 100

/* Blocks between recording a validator-set change and the first block it certifies
 * (ldg_valset.h): the set of height h is then known from the state after h - LEAD, so a
 * node whose view of state lags its head (background writes in flight, the next height
 * started while the last block is being stored) still reads the right set. */
#define LDG_VALSET_LEAD 4

/* Validator-set changes a chain may ever record (governance's validator-set kind). Every
 * proof bundle carries one trust step per change since genesis (specs/proofs.md §5), about
 * 12 KiB at 100 validators: 32 of them stay well inside LDG_PROOF_BUNDLE_MAX. */
#define LDG_VALSET_CHANGES_MAX 32

/* A state-sync checkpoint's encoding: two headers, a certificate and the trust list of the
 * validator-set changes (specs/sync.md §2), which a proof bundle carries too. */
#define LDG_SNAP_CHECKPOINT_MAX (512 * 1024)

/* Participants at genesis: the operator(s). Validators are listed separately. */
#define LDG_GENESIS_PARTICIPANTS_MAX 128

/* Members of the governance committee (genesis and later, specs/governance.md): "members
 * determined by the number of nodes", so at most one per validator and some room for
 * regulators and observers; a tally reads every member, so it bounds a vote's work. */
#define LDG_COMMITTEE_MEMBERS_MAX 64
/* Weight of one member: weights are small integers (1 per node, a few for a regulator);
 * 10^6 keeps every sum of LDG_COMMITTEE_MEMBERS_MAX weights times 10000 (basis points)
 * far inside u64. */
#define LDG_COMMITTEE_WEIGHT_MAX 1000000
_Static_assert((unsigned long long)LDG_COMMITTEE_MEMBERS_MAX *LDG_COMMITTEE_WEIGHT_MAX * 10000ULL <
                   (1ULL << 62),
               "tallies times basis points fit u64");

/* ---- proof bundles (specs/proofs.md) ---- */

/* Facts in one bundle: a holding needs two (the holding and the instrument whose supply
 * its register total is compared with); room for two more kinds of companion fact. */
#define LDG_PROOF_FACTS_MAX 4

/* A state key in a bundle. The longest key folio writes is a few dozen bytes (prefix, id12,
 * account, a 32-byte slot); 256 leaves room and bounds what a verifier copies. */
#define LDG_PROOF_KEY_MAX 256

/* A proven value: the largest state values are a few KiB (instrument records, allow
 * lists); 64 KiB is the size of a transaction, the largest thing that could have written
 * one value. */
#define LDG_PROOF_VALUE_MAX (64 * 1024)

/* One fact's tree proof (state.md): a radix-16 path is at most 64 levels of at most 15
 * siblings of 32 bytes plus per-level sums and bitmaps, ~32 KiB in the worst case; real
 * paths at 10^7 keys are ~7 levels, under 1 KiB. */
#define LDG_PROOF_PATH_MAX (32 * 1024)

/* A header's canonical bytes in a bundle (encoding.md §6: at most 4096 in a record). */
#define LDG_PROOF_HEADER_MAX 4096

/* A whole bundle: every fact at its bounds, two headers, a certificate of
 * LDG_VALIDATORS_MAX signatures, and the envelope. Bounds the verifier's input and the
 * `proof` reply (hex, twice this, well within LDG_RPC_MSG_SIZE_MAX). */
#define LDG_PROOF_BUNDLE_MAX (512 * 1024)

/* ---- ledger internals ---- */

/* Nesting deeper than this is never produced by folio; refusing it bounds recursion. */
#define LDG_CODEC_DEPTH_MAX 16

/* Transaction type numbers the registry can hold (0..255): every module range fits. */
#define LDG_REGISTRY_TYPES_MAX 256

/* Block hooks, work-due functions and transfer hooks, each: a handful of modules. */
#define LDG_REGISTRY_HOOKS_MAX 16

/* ---- settlement: amounts, netting, liquidity-saving mechanism (LSM) ---- */

/* Largest quantity or cash amount on one obligation, leg or balance: equal to
 * LDG_QUANTITY_MAX (2^62), so that the sum of two never overflows a signed 64-bit integer
 * before a check catches it, and sums over a whole cycle fit the 128-bit accumulators. */
#define STL_AMOUNT_MAX (1ULL << 62)

/* Novated obligations in one netting cycle. Netting needs 64 bytes of workspace per
 * obligation (two position entries, double-buffered for the radix sort), so 2^21
 * obligations take 128 MiB and net in about a second on one core: twice the busiest day
 * expected of the consortium (1M obligations), and still bounded in memory and time. */
#define STL_NET_OBLIGATION_MAX (1U << 21)

/* Participant, instrument (ISIN) and currency indices are dense 32-bit indices chosen by
 * the caller; the product participant_count * asset_count must fit 64 bits, which it
 * always does for 32-bit counts. Counts above 2^24 are rejected: a registry that large is
 * not a consortium and the sort keys stay within three radix passes. */
#define STL_NET_INDEX_MAX (1U << 24)

/* Queued instructions resolved in one LSM run. The improvement phases are quadratic in
 * the worst case and bounded by the work budget, but the construction phase and memory
 * are O(legs log legs): 2^18 instructions solve in well under a second and need ~40 MiB.
 * A queue longer than that is split by the caller (oldest first). */
#define STL_LSM_INSTR_MAX (1U << 18)

/* Legs of one instruction. DvP needs two (securities and cash); eight leaves room for
 * multi-party instructions (e.g. a three-way swap with fees) while keeping the per-step
 * cost of the solver a small constant. */
#define STL_LSM_LEGS_MAX 8

/* Accounts (participant, asset pairs) in one LSM run: at most two per leg. */
#define STL_LSM_ACCOUNT_MAX (STL_LSM_INSTR_MAX * 2U * STL_LSM_LEGS_MAX)

/* Instances up to this many instructions get the fine heuristic (every removal rescans
 * all candidates, exact deficit-reduction scores) and insert-and-repair local search:
 * cost O(n^2) leg evaluations per pass, 16M at this size. Larger instances use the
 * per-account construction, O(legs log legs), then the improvement phases in budget. */
#define STL_LSM_FINE_INSTR_MAX 4096

/* Instances up to this many instructions also get an exact branch and bound seeded with
 * the heuristic's solution. With the bounds used (value still available, optimistic
 * balances) it proves optimality well within the default budget up to this size; beyond
 * it the search rarely completes, so it is not started. */
#define STL_LSM_EXACT_INSTR_MAX 40

/* Default work budget of one LSM run, in elementary steps (one leg evaluated or one
 * branch-and-bound node visited = one step). About 0.2-0.5 s on one 2020s core; the
 * caller may pass a smaller budget. The result never depends on time, only on steps. */
#define STL_LSM_WORK_DEFAULT (60ULL * 1000 * 1000)

/* Upper bound on the budget a caller may pass: a run can never take more than a few
 * seconds, whatever the configuration says. */
#define STL_LSM_WORK_MAX (1000ULL * 1000 * 1000)

/* ---- settlement on the ledger: cycles and the instruction queue ---- */

/* Open obligations one cycle.run takes (one cycle is one transaction, so its work is
 * bounded): the LSM sizes the cycle, so this equals STL_LSM_INSTR_MAX. */
#define STL_CYCLE_OBLIGATIONS_MAX 262144

/* Positions and failures kept in a cycle report. */
#define STL_CYCLE_REPORT_ROWS_MAX 2000

/* Bilateral instructions waiting in the queue at once; the queue is resolved in one LSM
 * run. */
#define STL_QUEUE_MAX 65536

/* Cycles a novated trade must have been carried through (its obligations' age) before
 * clearing staff may close it by cash compensation (cycle.close_fail), until clearing staff
 * set another value on the chain (cycle.fail_close_after): long enough for a short
 * participant to obtain what it owes, short enough that a fail does not stay open for
 * ever. The market's buy-in period. */
#define STL_FAIL_CLOSE_CYCLES 3

/* The largest value cycle.fail_close_after accepts: a fail carried longer is no buy-in
 * period any more (with a cycle a day, about three years). */
#define STL_FAIL_CLOSE_CYCLES_MAX 1000

/* Unmatched instructions the near-match hint of the `instructions` query compares each
 * listed one against (the first ones by id): bounds its work at a page of
 * LDG_QUERY_PAGE_MAX rows times this. Beyond it no hint is given. */
#define STL_NEAR_MATCH_SCAN_MAX 2000

/* ---- contract VM (EVM) ---- */

/* EVM operand stack depth: fixed by the Ethereum yellow paper; contracts rely on it. */
#define LDG_EVM_STACK_MAX 1024

/* Nested message calls (CALL/CREATE family): the Ethereum value, so compiled contracts
 * behave as on mainnet; also bounds the C recursion of host->call -> interpreter. */
#define LDG_EVM_CALL_DEPTH_MAX 1024

/* C stack of the thread a contract's nested calls run on (virtual: only touched pages are
 * committed). Each EVM call level costs a few KiB of C stack (interpreter frame and host
 * call; about 4 KiB in the release build, 13 KiB with ASan), and a transaction can nest
 * LDG_EVM_CALL_DEPTH_MAX levels plus a compliance hook's: 4.4 MiB, 14 MiB with ASan. A
 * thread's default stack (8 MiB, or 2 MiB with an unlimited ulimit) is not enough for
 * that, so the first nested call of a message moves to a thread with this stack. 32 MiB
 * keeps twice the ASan need and stays within glibc's cache of thread stacks (40 MiB), so
 * the stack is reused: about 11 us of CPU per call tree (64 MiB: 23 us, mmap each time). */
#define LDG_EVM_C_STACK_SIZE (32u * 1024 * 1024)

/* Deployed code size, EIP-170 (Spurious Dragon); keeps code analysis bounded. */
#define LDG_EVM_CODE_SIZE_MAX 24576

/* Init code size, EIP-3860 (Shanghai): twice the deployed code cap. */
#define LDG_EVM_INITCODE_SIZE_MAX (2 * LDG_EVM_CODE_SIZE_MAX)

/* Memory of one call frame. Not an Ethereum rule: the quadratic memory gas makes 32 MiB
 * cost about 2^31 gas, far above any block gas limit, so no valid execution reaches it;
 * a frame asking for more fails as out of gas instead of allocating. */
#define LDG_EVM_MEMORY_SIZE_MAX (32u * 1024 * 1024)

/* Length of modexp's base, exponent or modulus (precompile 0x05). Not an Ethereum rule:
 * at this length the EIP-2565 price is at least 8·2^25/3 ≈ 89 million gas (exponent) or
 * 2^44/3 gas (base, modulus), above any block gas limit; a longer operand is out of gas
 * instead of being allocated. Calldata is at most LDG_EVM_MEMORY_SIZE_MAX anyway. */
#define LDG_EVM_MODEXP_LEN_MAX (32u * 1024 * 1024)

/* Topics per log: LOG0..LOG4. */
#define LDG_EVM_LOG_TOPICS_MAX 4

/* Blob hashes per transaction (EIP-4844, Cancun: 6 blobs of 131072 gas per block). */
#define LDG_EVM_BLOB_HASHES_MAX 6

/* ---- consensus core (net_consensus.h) ---- */

/* A consortium of brokers, not a public chain: 64 validators is far beyond the planned
 * size (4..16) and lets every per-height tally be one uint64_t bitset. */
#define NET_CONS_VALIDATORS_MAX 64

/* Rounds whose votes are kept at once, per height. The current round, the lock round and
 * the valid round are pinned; the rest hold the most recent older rounds and the nearest
 * future rounds (for the f+1 round skip). 8 slots of 64 validators x 2 vote types is
 * ~125 KiB per core. Votes for a round without a slot are dropped and come back by
 * resend once the node gets there. */
#define NET_CONS_ROUND_SLOTS 8

/* Largest round number accepted. Keeps round + 1 and valid_round in int32_t, and
 * base + round * delta timeouts far from overflow. Reaching it would take decades. */
#define NET_CONS_ROUND_MAX (1u << 30)

/* Longest timeout ever scheduled, whatever the round: timeouts grow linearly per round,
 * the cap keeps a long-stalled network retrying at least every 10 minutes. */
#define NET_CONS_TIMEOUT_MS_MAX (10u * 60u * 1000u)

/* Block validity verdicts remembered per height (ring). One proposal per round is
 * accepted, so this is the number of recent rounds whose verdict is not re-requested. */
#define NET_CONS_VALIDITY_CACHE 16

/* Actions one event can produce. Worst case (a round skip into a round where the node
 * proposes, followed by prevote, precommit and a commit): ~14. */
#define NET_CONS_ACTIONS_MAX 32

/* PERSIST actions one event can produce: a proposal, a prevote and a precommit in a new
 * round after a nil precommit in the old one is 4. */
#define NET_CONS_PERSISTS_MAX 6

/* Chain id in the signed bytes of a vote: the core signs what the ledger's
 * ldg_vote_sign_bytes signs, so it is the ledger's chain id cap. */
#define NET_CONS_CHAIN_ID_LEN_MAX LDG_CHAIN_ID_LEN_MAX

/* ---- node: home and admission (net_home.h, net_node.h) ---- */

/* Paths of a node home and its files (config, keys, data, socket); PATH_MAX on Linux. */
#define NET_PATH_MAX 4096

/* Key names: file names under HOME/keys/, as long as a participant name. */
#define NET_KEY_NAME_MAX 64
/* Chains one process hosts beside its home's own ([host] chains, specs/home.md §6): each is
 * a whole node (store, threads, sockets), so a handful; the consortium of
 * specs/chains.md §9 needs two. The names' text: that many names of NET_KEY_NAME_MAX. */
#define NET_HOST_CHAINS_MAX 8
#define NET_HOST_CHAINS_TEXT_MAX (NET_HOST_CHAINS_MAX * (NET_KEY_NAME_MAX + 1))
/* How often a host's relay looks at its sub-chains' tips (specs/chains.md §9.2): well
 * under the shortest anchoring period (CHN_PERIOD_MIN_MS, 1 s). */
#define NET_HOST_RELAY_POLL_MS 200
/* A relayed checkpoint's expiry: long enough to reach a block, short enough that a stale
 * one does not linger in the pool. */
#define NET_HOST_RELAY_EXPIRY_MS 60000

/* config.ini: read whole before it is parsed (lines of any length, no silent cut), so
 * capped; a generated one is a few hundred bytes, a 100-node testnet's under 4 KiB. */
#define NET_CONFIG_SIZE_MAX (64 * 1024)

/* An encrypted key file (specs/home.md §2.3) is one line of about 220 bytes; read whole. */
#define NET_KEY_FILE_MAX 512
/* Passphrases of encrypted keys: any bytes but NUL and newline, up to this length. */
#define NET_PASSPHRASE_MAX 1024
/* scrypt cost of a key we encrypt: N = 2^15, r = 8, p = 1 (32 MiB, about 0.1 s), the
 * interactive-login figures of the scrypt paper. A key file read with other figures is
 * accepted only up to N = 2^18, r = 8, p = 1 (256 MiB): a planted file cannot make
 * folio take gigabytes or minutes. */
#define NET_KEY_SCRYPT_LOG_N 15
#define NET_KEY_SCRYPT_LOG_N_MAX 18
#define NET_KEY_SCRYPT_R_MAX 8
#define NET_KEY_SCRYPT_P_MAX 1

/* Senders already seen registered: admission skips the state read for them. Participants
 * are never removed, so a positive answer cannot go stale. Bounded; when full, new senders
 * are simply looked up each time. Open addressing: a power of two, filled to half. */
#define NET_SENDER_CACHE_SLOTS 65536

/* Clock skew tolerated between nodes when a peer's batch is admitted (net_admit.h): a
 * transaction the sending node admitted with an expiry at the edge of LDG_TX_TTL_MS_MAX is
 * not "too far" for a node whose clock is up to this much behind, and one that expired
 * on the way is not the peer's fault (it is then verified but not pooled). Beyond it the
 * batch is dropped whole and its peer disconnected. */
#define NET_ADMIT_PEER_SKEW_MS (60 * 1000ULL)

/* ---- command line client (cli_util.c) ---- */

/* Validity of a transaction the CLI signs: expiry = client wall clock + 10 minutes, well
 * inside LDG_TX_TTL_MS_MAX, so moderate clock skew between client and node is tolerated. */
#define CLI_TX_TTL_MS (10 * 60 * 1000ULL)

/* How long the CLI waits for an admitted transaction to commit before giving up (exit 3;
 * the transaction may still commit later). */
#define CLI_COMMIT_WAIT_MS 30000

/* Words longer than this get no "did you mean" from the CLI (cli_dispatch.c): the edit
 * distance is quadratic in the length, and no command, verb, option or name is this long. */
#define CLI_SUGGEST_LEN_MAX 64

/* Names a mistyped participant is compared with for a "did you mean" (cli_util.c): the
 * first page of participants (LDG_QUERY_PAGE_MAX, one request, only on the failure path)
 * and up to 64 keys of the home. */
#define CLI_HINT_NAMES_MAX 1064

/* Result codes `folio errors` can list (all modules' tables; codes are below 1000). */
#define CLI_RESULT_CODES_MAX 1000

/* ---- bulk import and export (ldg_csv.c, cli_import.c; specs/import.md) ---- */

/* Largest CSV file an import reads. The file is read whole and validated before anything is
 * submitted, and the parser keeps a copy of its fields: about three times this in memory at
 * the peak. A register of CLI_IMPORT_ROWS_MAX holders with 64-byte names, 64-hex keys and
 * profiles is ~190 bytes a row, so this admits the largest register with margin. */
#define LDG_CSV_FILE_MAX (256 * 1024 * 1024)

/* Longest field of a CSV file, in bytes. The longest meaningful field is a participant name
 * (LDG_NAME_LEN_MAX) or a 64-hex public key; a longer field is an error, reported at once. */
#define LDG_CSV_FIELD_MAX 1024

/* Most columns of a CSV header: the formats have six; a file of thousands is not one. */
#define LDG_CSV_COLUMNS_MAX 64

/* Most data rows (holders or investors) of one import. A regional equity center's largest
 * registers have tens of thousands of holders; a million bounds the CLI's memory and the
 * validation time (the whole file is checked before the first transaction). */
#define CLI_IMPORT_ROWS_MAX 1000000

/* Transactions an import submits in one `submit` request and waits for together: a tenth of
 * a block, so that a batch commits within a block or two and an interruption leaves at most
 * this many in flight (the next batch is signed while one is in the mempool, not submitted). */
#define CLI_IMPORT_BATCH_TX 1000

/* The expiry slot of an import's transactions (specs/import.md §4): a transaction signed when
 * the node's clock is in slot k = floor(now / slot) expires at (k + 2) * slot, between one and
 * two slots ahead, and its nonce and signature follow from its payload and expiry. Signing a
 * row again in the same slot gives the same id, which the ledger refuses as a replay; a
 * re-run asks the node about the previous slot's id. */
#define CLI_IMPORT_SLOT_MS (20 * 60 * 1000ULL)

/* Problems a validation report lists (all are counted): enough to fix a file in a few
 * rounds, bounded output for a file that is wrong on every line. */
#define CLI_IMPORT_ERRORS_MAX 100

/* ---- evidence preservation (ledger/evidence, specs/evidence.md) ---- */

/* Longest log line (one record). Broker log lines are ~300 bytes; 64 KiB admits a large
 * structured message while the reader's memory per record stays fixed. */
#define LDG_EV_LINE_MAX (64 * 1024)
/* How far back a `#N` link may reach: the reader keeps the id and time of this many recent
 * records (40 bytes each, 2.5 MiB), whatever the file's size. A business process (disclosure,
 * acknowledgement, purchase) is logged within minutes; older records are linked by id. */
#define LDG_EV_LINK_WINDOW 65536
/* Links per record: a record follows from a handful of earlier events, not hundreds. */
#define LDG_EV_LINKS_MAX 8
/* A source (file name as given) in a record. */
#define LDG_EV_SOURCE_LEN_MAX 255
/* Records per slice: "tens of thousands of records per file index" (the seed). 2^16 keeps a
 * path at 16 hashes and one anchor per 65536 records (15 anchors per million, the issue's
 * target is 32). */
#define LDG_EV_SLICE_RECORDS_MAX 65536
/* Bytes of lines per slice: bounds the ingest's memory (a slice is held until written) when
 * lines are long. 64 MiB holds 65536 lines of 1 KiB. */
#define LDG_EV_SLICE_BYTES_MAX (64u * 1024 * 1024)
/* Lines of one file: 2^32, so seq and offsets stay far inside u64 and a line number fits
 * 32 bits in messages; a 300 GB day of 300-byte lines is 10^9 lines. */
#define LDG_EV_FILE_RECORDS_MAX (1ULL << 32)
/* Hashes in an inclusion or consistency path: trees of up to 2^64 leaves (RFC 9162 paths
 * have at most ceil(log2 n) hashes, consistency proofs one more). */
#define LDG_EV_PATH_MAX 65
/* Anchor transactions per block: each one is ~300 bytes and four state writes; 256 per
 * block is 16 million records per block, beyond 100 brokers' 300 GB days. */
#define LDG_EV_ANCHORS_PER_BLOCK_MAX 256
/* Log entries the node reads to answer one consistency proof of a log begun before its
 * interior nodes were stored ('P' 't', evidence.md §4): it rebuilds the leaves from the
 * entries (one state read each). 2^16 slices are 4 billion records. A log with stored
 * nodes is proved from O(log^2 n) of them, whatever its size. */
#define LDG_EV_LOG_PROOF_ENTRIES_MAX 65536
/* Records per tile of a slice file (specs/evidence.md §2.2): each tile is its own zstd frame
 * and its root is kept in the slice's head, so proving one record decompresses and re-hashes
 * one tile (about 0.3 ms) instead of the slice. A power of two, so tiles are subtrees. */
#define LDG_EV_TILE_RECORDS 256
/* Lines the ingest reads before hashing them on every core (ldg_ev_reader_batch): 4096 lines
 * of ~300 bytes are one 1 MiB read; the batch's memory is 48 bytes a line (196 KiB). */
#define LDG_EV_BATCH_LINES 4096
/* Changed records of a file `evidence ingest` reports one by one (line, offset, payload
 * hash anchored and now) when it refuses it (SOURCE_CHANGED); the others are counted. */
#define LDG_EV_CHANGED_SHOWN_MAX 64
/* Files `evidence ingest DIR` takes from one folder (their names are held, sorted): a
 * folder with more is refused, to be named in parts. */
#define LDG_EV_INGEST_DIR_FILES_MAX 65536
/* Threads of the ingest's pool (besides the reader): one per core, at most this many; each
 * holds a zstd context and one tile's buffers (about 1 MiB). */
#define LDG_EV_INGEST_THREADS_MAX 16
/* Bytes of a slice file in one `evidence slice` reply (a mirror fetching it): 4 MiB is 8 MiB
 * of hex, inside one RPC message; a slice file takes a few replies. */
#define LDG_EV_FETCH_CHUNK (4u * 1024 * 1024)
/* Slice roots in one `evidence slices` reply (paged by root): 256 x 67 bytes of JSON. */
#define LDG_EV_LIST_MAX 256
/* Index pages (of LDG_EV_LIST_MAX roots) one sync pass reads from one mirror, from where
 * the last pass stopped (evidence.md §2.4): a pass's time and requests stay bounded however
 * long the mirror's index; a member far behind catches up over several passes. */
#define LDG_EV_SYNC_PAGES_MAX 16
/* Members listed in an `evidence anchor` reply's attested_by (attested_copies counts them
 * all): the reply stays small however many members keep a copy. */
#define LDG_EV_ATTESTERS_SHOWN 64
/* Anchored slices one sync pass examines for the retention period (evidence.md §2.3), from
 * where the last pass stopped in the store's index: each may be read whole, so a pass reads
 * at most this many slice files; a store of N slices is gone through every N / 32 passes. */
#define LDG_EV_RETENTION_STEP 32
/* Slices of one mirror kept to be retried at the next passes (not anchored on this chain
 * yet, not given, refused, not attested in time), in its cursor file (32 bytes each): the
 * pass reads a further page only while a whole page would still fit, so nothing listed is
 * ever dropped; a mirror whose slices keep failing stops being paged, not being retried. */
#define LDG_EV_SYNC_PENDING_MAX 1024
/* How long the node's sync thread waits for its evidence.attest to commit before it counts
 * the slice as failed (retried next pass): a few blocks' time, well under a tx's expiry. */
#define LDG_EV_ATTEST_WAIT_MS 30000
/* The expiry of the sync thread's evidence.attest transactions, from the node's clock. */
#define LDG_EV_ATTEST_EXPIRY_MS 120000
/* Names of fields in an evidence schema (--schema FILE): a JSON key or a CSV column. */
#define LDG_EV_FIELD_NAME_MAX 64
/* Fields a schema may require: a record's identifying fields, not a whole data model. */
#define LDG_EV_SCHEMA_REQUIRED_MAX 16
/* Columns of a CSV log: its header is held for the whole file (65 bytes a name). */
#define LDG_EV_CSV_COLUMNS_MAX 64
/* Records in one bundle (the proved record and the chain its links reach). */
#define LDG_EV_BUNDLE_ITEMS_MAX 64
/* A bundle's bytes: 64 items of 64 KiB lines and their paths, plus anchors with a full
 * block's refs (8192 x 96 bytes) each, fit; a verifier reads at most this much. */
#define LDG_EV_BUNDLE_BYTES_MAX (16u * 1024 * 1024)

/* ---- relations ---- */

_Static_assert(LDG_RPC_MSG_SIZE_MAX > LDG_BLOCK_SIZE_MAX, "a block must fit one RPC message");
_Static_assert(LDG_TX_SIZE_MAX * 2 <= LDG_BLOCK_SIZE_MAX, "a block holds at least two max txs");
_Static_assert(LDG_BLOCK_TX_FLOOR >= LDG_COMMITTEE_MEMBERS_MAX &&
                   LDG_BLOCK_TX_FLOOR <= LDG_BLOCK_TX_MAX,
               "the governed block.max_txs range is not empty and holds a round of votes");
_Static_assert(LDG_BLOCK_SIZE_FLOOR + LDG_BLOCK_SIZE_SLACK <= LDG_BLOCK_SIZE_MAX,
               "the governed block.max_bytes range is not empty");
_Static_assert(LDG_TX_SIZE_MAX <= LDG_RPC_MSG_SIZE_MAX, "a max tx fits one submit message");
_Static_assert(1ULL * LDG_QUERY_PAGE_MAX * LDG_QUERY_ROW_JSON_MAX + 64 * 1024 <=
                   LDG_RPC_MSG_SIZE_MAX,
               "a full page of a list reply (rows, totals, cursor, envelope) fits the client's "
               "message limit");
_Static_assert(LDG_QUERY_CURSOR_MAX >= LDG_NAME_LEN_MAX && LDG_QUERY_CURSOR_MAX >= 20 + 1 + 40,
               "every sort key fits a cursor");
_Static_assert(1ULL * LDG_REPLY_BLOCK_TXS_MAX * LDG_REPLY_TX_JSON_MAX + 4096 <=
                   LDG_RPC_MSG_SIZE_MAX - 64,
               "a page of a block reply (header, 1000 transactions, msgpack envelope) fits the "
               "client's message limit");
_Static_assert(LDG_BLOCK_TX_MAX <= LDG_MEMPOOL_TX_MAX, "a full block can come from the mempool");
_Static_assert(LDG_RPC_BATCH_TX_MAX <= LDG_BLOCK_TX_MAX, "one batch fits one block");
_Static_assert(LDG_RPC_REQUEST_QUERY_MAX <= LDG_RPC_MSG_SIZE_MAX, "a query fits one message");
_Static_assert(LDG_RPC_RX_INITIAL <= LDG_RPC_REQUEST_SMALL_MAX, "small requests need no budget");
_Static_assert(LDG_QUANTITY_MAX <= (1ULL << 62), "the sum of two quantities fits int64_t");
_Static_assert(LDG_CLOCK_AHEAD_MAX_MS < CLI_TX_TTL_MS,
               "a chain at the time bound still admits a client's transaction");

_Static_assert(LDG_PROOF_FACTS_MAX *(LDG_PROOF_KEY_MAX + LDG_PROOF_VALUE_MAX + LDG_PROOF_PATH_MAX +
                                     16) +
                       2 * LDG_PROOF_HEADER_MAX + LDG_VALIDATORS_MAX * 80 + 1024 <=
                   LDG_PROOF_BUNDLE_MAX,
               "a bundle with every part at its bound is within the bundle bound");
_Static_assert(2 * LDG_PROOF_BUNDLE_MAX + 4096 <= LDG_RPC_MSG_SIZE_MAX,
               "a bundle in hex fits one reply");

_Static_assert(LDG_REGISTRY_TYPES_MAX == 256, "type numbers 0..255 (one byte)");

_Static_assert(STL_AMOUNT_MAX == LDG_QUANTITY_MAX, "settlement amounts are ledger quantities");
_Static_assert(STL_LSM_EXACT_INSTR_MAX <= STL_LSM_FINE_INSTR_MAX, "exact implies fine");
_Static_assert(STL_LSM_FINE_INSTR_MAX <= STL_LSM_INSTR_MAX, "fine is a subset");
_Static_assert(STL_LSM_EXACT_INSTR_MAX < 64, "exact choices fit one 64-bit mask");
_Static_assert(STL_LSM_WORK_DEFAULT <= STL_LSM_WORK_MAX, "default within the cap");
_Static_assert(STL_CYCLE_OBLIGATIONS_MAX <= STL_LSM_INSTR_MAX, "a cycle is one LSM run");
_Static_assert(STL_CYCLE_OBLIGATIONS_MAX <= STL_NET_OBLIGATION_MAX, "a cycle nets in one run");
_Static_assert(STL_QUEUE_MAX <= STL_LSM_INSTR_MAX, "the queue resolves in one LSM run");

_Static_assert(LDG_EVM_CODE_SIZE_MAX == 24576, "EIP-170 code cap");
_Static_assert(LDG_EVM_INITCODE_SIZE_MAX == 49152, "EIP-3860 init code cap");
_Static_assert(LDG_EVM_INITCODE_SIZE_MAX < LDG_TX_SIZE_MAX,
               "a deployment of maximal init code (plus arguments) fits one transaction");

_Static_assert(NET_CONS_VALIDATORS_MAX <= LDG_VALIDATORS_MAX,
               "every consensus validator set is a valid ledger validator set");
_Static_assert(NET_CONS_VALIDATORS_MAX <= 64, "tallies are uint64_t bitsets");
_Static_assert(NET_CONS_ROUND_SLOTS >= 4, "current, lock, valid round and one more");
_Static_assert(NET_CONS_ROUND_MAX < 0x7fffffff, "rounds fit int32_t with room for +1");
_Static_assert(NET_CONS_CHAIN_ID_LEN_MAX == LDG_CHAIN_ID_LEN_MAX, "same signed bytes");

_Static_assert(NET_KEY_NAME_MAX == LDG_NAME_LEN_MAX, "a key may be named like its participant");
_Static_assert(NET_KEY_NAME_MAX + 16 < NET_PATH_MAX, "keys/NAME.key fits a path");
_Static_assert((NET_SENDER_CACHE_SLOTS & (NET_SENDER_CACHE_SLOTS - 1)) == 0,
               "the sender cache indexes by mask");
_Static_assert((LDG_SIGCACHE_SLOTS & (LDG_SIGCACHE_SLOTS - 1)) == 0 && LDG_SIGCACHE_SLOTS >= 4,
               "the signature cache indexes buckets of four by mask");
_Static_assert((LDG_SIGCACHE_KEY_SLOTS & (LDG_SIGCACHE_KEY_SLOTS - 1)) == 0,
               "the lifted-key table indexes by mask");
_Static_assert(LDG_SIGCACHE_BLOCK_JOBS * 2 <= LDG_SIGCACHE_SLOTS,
               "one block's gathered checks fit the cache twice over");
_Static_assert(LDG_SIGCACHE_BLOCK_JOBS >= LDG_VALIDATORS_MAX,
               "one certificate fits a block's jobs");

_Static_assert(LDG_EV_SLICE_RECORDS_MAX <= LDG_EV_LINK_WINDOW,
               "a #N link reaches every earlier record of its slice");
_Static_assert((LDG_EV_TILE_RECORDS & (LDG_EV_TILE_RECORDS - 1)) == 0 &&
                   LDG_EV_SLICE_RECORDS_MAX % LDG_EV_TILE_RECORDS == 0,
               "tiles are aligned perfect subtrees of a slice");
_Static_assert(LDG_EV_LINKS_MAX < LDG_EV_BUNDLE_ITEMS_MAX, "a record and its links fit a bundle");

/* The state tree (ldg_smt.h, specs/state.md §5). Paths are 256-bit hashes: 64 nibbles, so
 * at most 64 internal nodes from a root to a leaf (a proof segment has at most 4 x 64
 * siblings). */
#define LDG_SMT_DEPTH_MAX 64
/* Blocks of tree history kept readable and provable by default (about a week at one block
 * per second): older node versions are pruned as blocks commit. Set per node with
 * `retain_blocks` in config.ini (0 keeps everything). */
#define LDG_SMT_RETAIN_DEFAULT 604800
/* The least retention: more than the blocks that can be queued for writing
 * (LDG_CHAIN_WRITES_IN_FLIGHT), so pruning never reads stale-node lists not yet stored,
 * and a reader has a few blocks to finish a past read. */
#define LDG_SMT_RETAIN_MIN 16
/* Tree nodes kept in memory by the committing thread (internal nodes near the root, leaves
 * just written): past this the clean ones are dropped and read again from RocksDB. */
#define LDG_SMT_CACHE_BYTES (64 * 1024 * 1024)
/* A proof's encoded size at most: two segments of 256 siblings with sums, with room. */
#define LDG_SMT_PROOF_SIZE_MAX (24 * 1024)

_Static_assert(LDG_SMT_RETAIN_MIN > LDG_CHAIN_WRITES_IN_FLIGHT, "pruning reads stored lists only");
_Static_assert(LDG_VALSET_LEAD > LDG_CHAIN_WRITES_IN_FLIGHT + 1,
               "the set of the next height is in the stored state");

_Static_assert(CLI_TX_TTL_MS < LDG_TX_TTL_MS_MAX, "CLI transactions are within the ledger TTL");
_Static_assert(CLI_IMPORT_BATCH_TX <= LDG_RPC_BATCH_TX_MAX, "an import batch is one submission");
_Static_assert(2 * CLI_IMPORT_SLOT_MS + LDG_CLOCK_AHEAD_MAX_MS < LDG_TX_TTL_MS_MAX,
               "an import transaction's expiry is within the ledger TTL");
_Static_assert(CLI_IMPORT_BATCH_TX <= LDG_MEMPOOL_TX_MAX / 4,
               "an import leaves room in the mempool for everyone else");

/* State sync (ldg_snap.h, net_snap.h, specs/sync.md). A chunk is one subtree of the state
 * tree: its leaves if it has at most LDG_SNAP_CHUNK_KEYS_MAX of them in at most
 * LDG_SNAP_CHUNK_BYTES_MAX bytes, else its 16 slots (the client then asks for each). The
 * bounds cap what one request costs a server (node reads, memory) and what one reply can
 * make a client allocate; 2,048 keys of ~100 bytes are ~200 KiB, a few ms to build. */
#define LDG_SNAP_CHUNK_KEYS_MAX 2048
#define LDG_SNAP_CHUNK_BYTES_MAX (1024 * 1024)
/* A single state key or value a chunk may carry (a chunk of one leaf may exceed
 * LDG_SNAP_CHUNK_BYTES_MAX by one value): keys are stored with a 16-bit length, values are
 * written by a block's transactions. */
#define LDG_SNAP_KEY_MAX 65535
#define LDG_SNAP_VALUE_MAX (4 * 1024 * 1024)
/* The whole encoded chunk, unread past this. */
#define LDG_SNAP_REPLY_SIZE_MAX (LDG_SNAP_CHUNK_BYTES_MAX + LDG_SNAP_VALUE_MAX + 64 * 1024)
/* Chunk requests a syncing node keeps in flight (each may go to another peer): enough to
 * hide a round trip behind verifying and writing, few enough that a node's memory for
 * replies stays under ~20 MiB. */
#define LDG_SNAP_CHUNKS_IN_FLIGHT 4
/* State sync's finish builds the split nodes (a chunk's own nodes are written with it) in
 * batches of at most this many, one depth at a time, so that its memory does not grow with
 * the state: ~1.3 KiB a node. */
#define LDG_SNAP_FINISH_NODES 4096
/* Snapshot retention on the serving side: a node serves chunks of the state after block H
 * only while H is at most this many blocks below its tip (and within its tree's retention,
 * retain_blocks). A snapshot costs nothing to keep (the versioned tree is the snapshot); the
 * bound says how long a sync may take before its checkpoint expires (~1 day at one block a
 * second). */
#define LDG_SNAP_AGE_MAX 100000
/* A node that starts with peers more than this many blocks ahead of its tip syncs state
 * from a checkpoint instead of replaying the blocks (specs/sync.md §6). */
#define LDG_SNAP_BEHIND_BLOCKS 100000

_Static_assert(LDG_SNAP_REPLY_SIZE_MAX <= 2 * LDG_BLOCK_SIZE_MAX,
               "a chunk reply fits the sync socket's message limit");

#endif
