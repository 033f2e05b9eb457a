/* The history of movements and controls: every change of a holding is recorded, where it
 * happens (ast_asset.c's one write of a holding), as a note of the block (ldg_state_note)
 * with its reason and counterparty. The chain stores notes in its index column family,
 * outside the state root (specs/state.md §8), indexed per account and per account and
 * instrument; the read side (net_query_assets.c) pages through them.
 *
 * Index keys (each followed by be64(height) || be32(seq), the note's position):
 *   'h' account20            -> a movement of any instrument of the account
 *   'i' account20 id12       -> a movement of that instrument of the account
 * and, not positioned (the latest wins):
 *   'f' id12 account20       -> the last freeze or unfreeze of that holding
 * Values: see ast_movement / ast_control_event (msgpack arrays, specs/state.md §8). */
#ifndef AST_HISTORY_H
#define AST_HISTORY_H

#include "ast_asset.h"

enum {
    AST_HISTORY_KEY_ACCOUNT = 'h',
    AST_HISTORY_KEY_INSTRUMENT = 'i',
    AST_HISTORY_KEY_FREEZE = 'f',
};

typedef struct ast_movement {
    uint64_t reason; /* AST_WHY_* (never AST_WHY_TX: resolved when recorded) */
    char id[AST_ID_LEN + 1];
    ldg_account account;
    bool has_counterparty;
    ldg_account counterparty;
    uint64_t in, out; /* one of them is 0 */
    uint64_t balance; /* the holding after the movement */
    uint64_t ref;     /* corporate action id, force-transfer proposal id, or 0 */
} ast_movement;

typedef struct ast_control_event {
    bool freeze; /* false: unfreeze */
    uint64_t quantity;
    uint8_t order[32];
    ldg_account regulator;
} ast_control_event;

/* Records the change of a holding from before to after (no-op if equal). */
void ast_history_record(ldg_state *st, const char *id, const ldg_account *acct, uint64_t before,
                        uint64_t after, const ast_why *why);
/* Records a freeze or an unfreeze (control list's "placed by"). */
void ast_history_control(ldg_state *st, const char *id, const ldg_account *acct,
                         const ast_control_event *e);

ldg_err ast_movement_decode(const uint8_t *v, size_t vl, ast_movement *out) LDG_WARN_UNUSED;
ldg_err ast_control_decode(const uint8_t *v, size_t vl, ast_control_event *out) LDG_WARN_UNUSED;
/* "transfer", "settlement", ... ("other" for an unknown number). */
const char *ast_why_name(uint64_t reason);
/* The reason of a movement made by a transaction of this type (AST_WHY_TX resolved). */
uint64_t ast_why_of_tx_type(uint64_t type);

/* Index prefixes; return their length. */
size_t ast_history_prefix_account(uint8_t out[1 + LDG_ACCOUNT_LEN], const ldg_account *a);
size_t ast_history_prefix_instrument(uint8_t out[1 + LDG_ACCOUNT_LEN + AST_ID_LEN],
                                     const ldg_account *a, const char *id);
size_t ast_history_key_freeze(uint8_t out[1 + AST_ID_LEN + LDG_ACCOUNT_LEN], const char *id,
                              const ldg_account *a);

#endif
