/* The batch engine of bulk import (cli_import_batch.c; specs/import.md §5, §6): private to
 * cli_import_run.c and cli_import_batch.c. */
#ifndef CLI_IMPORT_BATCH_H
#define CLI_IMPORT_BATCH_H

#include "cli.h"
#include "cli_import.h"

typedef enum cli_imp_step {
    CLI_IMP_STEP_ISSUE,
    CLI_IMP_STEP_PARTICIPANT,
    CLI_IMP_STEP_PROFILE,
    CLI_IMP_STEP_TRANSFER
} cli_imp_step;

typedef struct cli_imp_job {
    cli_ctx *ctx;
    cli_imp_file *f;
    const char *isin, *name, *cls;
    uint64_t risk;
    ldg_account issuer;
    bool resume;      /* this step: an earlier run may have left transactions in flight */
    bool had_parties; /* some row's holder was a participant when this run started */
    bool had_asset;   /* the instrument existed when this run started */
    bool tty;         /* progress on stderr */
    uint64_t txs, batches;
    size_t progress, progress_total;
} cli_imp_job;

typedef struct cli_imp_tx {
    uint8_t *wire;
    size_t len;
    ldg_hash id;
    const cli_imp_row *row; /* NULL: the issue */
} cli_imp_tx;

/* The expiry of a transaction signed at node time now, `back` slots earlier (§6). */
uint64_t cli_imp_slot_expiry(uint64_t now, unsigned back);
/* Signs t's step transaction (t->row; NULL: the issue) expiring at expiry, reproducibly. */
bool cli_imp_sign_row(const cli_imp_job *j, const cli_signing *sg, cli_imp_step step, cli_imp_tx *t,
                      uint64_t expiry);
/* The node's check of one transaction: CLI_OK if allowed (or a replay), else the refusal
 * printed with the row's line and CLI_REJECTED. */
int cli_imp_check(cli_imp_job *j, const cli_imp_tx *t);
/* Every row of idx (count of them; SIZE_MAX stands for the issue) through one step, signed
 * by key `signer`, in batches of CLI_IMPORT_BATCH_TX, two in flight. */
int cli_imp_run_step(cli_imp_job *j, cli_imp_step step, const size_t *idx, size_t count,
                     const char *signer);
/* The rows a step applies to, in file order, into idx; returns how many. */
size_t cli_imp_select(const cli_imp_file *f, cli_imp_step step, size_t *idx);
/* Whether some row's holder was a participant when the run started. */
bool cli_imp_any_known(const cli_imp_file *f);

#endif
