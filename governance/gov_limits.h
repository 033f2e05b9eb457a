/* Limits of the governance committee (specs/limits.md, specs/governance.md). The member
 * count and weight bounds are the ledger's (LDG_COMMITTEE_*), as genesis checks them. */
#ifndef GOV_LIMITS_H
#define GOV_LIMITS_H

#include "ldg_limits.h"

/* Proposals open for votes at once. The committee is a few dozen members who read every
 * proposal; more than 64 pending at once is a spam attack by a member, not governance. */
#define GOV_OPEN_PROPOSALS_MAX 64

/* Encoded parameters of one proposal (its kind's array, the action payload included). A
 * sub-chain creation with a 100-validator set is ~4 KiB; 16 KiB leaves room and keeps the
 * stored record small. */
#define GOV_PROPOSAL_SIZE_MAX (16u * 1024)

/* Activation delay in blocks, at most: an idle node makes blocks while an activation is
 * pending (work due), so the height comes; 100 000 blocks is days at the heartbeat rate. */
#define GOV_ACTIVATION_DELAY_MAX 100000

/* Voting period in blocks (expiry height - proposal height), at most. */
#define GOV_VOTING_BLOCKS_MAX 1000000

/* Proposals activated, and proposals expired, per block at most: the block hook's work is
 * bounded; the rest waits for the next block (in height, then id order). */
#define GOV_ACTIVATIONS_PER_BLOCK 16
#define GOV_EXPIRIES_PER_BLOCK 64

/* Passed proposals waiting for activation that gov_committee reads to show the pending
 * parameter changes: one reply's work stays bounded (the earliest activations first). */
#define GOV_PENDING_SHOWN_MAX 256

/* Length of a governed parameter's name ("chains.anchor_period_ms"). */
#define GOV_PARAM_NAME_LEN_MAX 32

_Static_assert(GOV_PROPOSAL_SIZE_MAX < LDG_TX_SIZE_MAX, "a proposal fits a transaction");

#endif
