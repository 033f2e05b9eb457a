/* Limits of the assets module, one #define each with its reason (specs/limits.md,
 * "Assets"). */
#ifndef AST_LIMITS_H
#define AST_LIMITS_H

#include "ldg_limits.h"

/* Accounts on one instrument's allow list. The list is read on every transfer of the
 * instrument (linear scan, one state read), and travels in one transaction: 1024 accounts
 * is ~22 KiB of payload, under a third of LDG_TX_SIZE_MAX. Larger populations belong in
 * investor profiles (suitability), not in a per-instrument list. */
#define AST_ALLOW_LIST_MAX 1024

/* Holder rows a corporate action processes per block, summed over all actions (snapshot
 * copies, payments, split rewrites, bond retirements). A row costs about what a transfer
 * costs (two or three state writes), so 4096 rows keep the hooks' work under half of a
 * full block of LDG_BLOCK_TX_MAX transfers: a payout never starves the block's
 * transactions, and a dividend to 100,000 holders takes 25 blocks to snapshot and 25 to
 * pay. */
#define AST_ACTION_ROWS_PER_BLOCK_MAX 4096

/* Actions the block hooks look at per block (due and unfunded ones together). Bounds the
 * hook's scan when many payments are unfunded and retried every block. */
#define AST_ACTIONS_PER_BLOCK_MAX 64

_Static_assert(AST_ACTION_ROWS_PER_BLOCK_MAX * 2 <= LDG_BLOCK_TX_MAX,
               "a block's payout rows stay under half a block of transfers");
_Static_assert(AST_ALLOW_LIST_MAX * 24 < LDG_TX_SIZE_MAX, "an allow list fits one transaction");

#endif
