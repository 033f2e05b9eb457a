/* Corporate actions (ast_action.h). */
#include "ast_action.h"

const ldg_account ast_escrow_account = {{0}};

void ast_snapshot_cow(ldg_state *st, const char *id, const ldg_account *acct, uint64_t before)
{
    (void)st, (void)id, (void)acct, (void)before;
}

ldg_err ast_action_lock_get(ldg_state *st, const char *id, uint64_t *action)
{
    (void)st, (void)id;
    *action = 0;
    return LDG_OK;
}

void ast_action_register(ldg_registry *r)
{
    (void)r;
}
