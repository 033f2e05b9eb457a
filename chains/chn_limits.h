/* Limits of the sub-chain registry (specs/chains.md, listed in specs/limits.md). */
#ifndef CHN_LIMITS_H
#define CHN_LIMITS_H

#include "ldg_limits.h"

/* A sub-chain id: 1..16 of [a-z0-9-]; padded with zero bytes to 16 in keys, so that the
 * checkpoint keys of one sub-chain sort together and by height. */
#define CHN_ID_LEN_MAX 16
/* The business label ("securities", "evidence", ...): shown, never interpreted. */
#define CHN_BUSINESS_LEN_MAX 32
/* Anchoring period bounds: under 1 s a sub-chain's checkpoints would crowd the main chain
 * (its blocks are ~1 s apart); over 30 days STALE would no longer mean "monitored". */
#define CHN_PERIOD_MIN_MS 1000ULL
#define CHN_PERIOD_MAX_MS (30ULL * 86400000ULL)
/* Sub-chains the STALE hook marks per main-chain block: bounds a block's hook work when many
 * deadlines fall in one block; the rest are marked in the next blocks (work-due says so). */
#define CHN_STALE_PER_BLOCK 256
/* Rows of one `subchains` RPC reply (the rest by its "next" cursor): ~1 KiB each. */
#define CHN_LIST_ROWS_MAX 100
/* Sub-chains /metrics lists (in id order): bounds a scrape's work and size (~300 bytes
 * each); a registry beyond it is a configuration no dashboard shows whole anyway. */
#define CHN_METRICS_ROWS_MAX 1024
/* Evidence records the `subchain` RPC reply shows (each ~2 KiB with its headers); the
 * count is always given. */
#define CHN_EVIDENCE_SHOWN_MAX 16
/* Evidence records one sub-chain keeps (§2.3): each freezes it, and vote evidence (§5.3) is
 * also taken while it is frozen (other offenders), so this bounds what faulty validators
 * signing at many heights can make the main chain store (~300 bytes each). */
#define CHN_EVIDENCE_MAX 1024
/* A two-level (cross-chain) proof: two proof bundles and a small envelope. */
#define CHN_XPROOF_MAX (2 * LDG_PROOF_BUNDLE_MAX + 1024)
/* Validator sets of a sub-chain: at most LDG_VALIDATORS_MAX keys (the certificate format's
 * bound); headers at most LDG_PROOF_HEADER_MAX bytes (the proof bundle's bound). */

#endif
