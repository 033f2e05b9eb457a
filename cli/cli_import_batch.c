/* The batch engine of bulk import (cli_import_batch.h; specs/import.md §5, §6): signing
 * reproducible transactions, the node's check of each batch's first, submission in batches
 * with two in flight, waiting for their blocks, and looking for an earlier run's
 * transactions. */
#include "cli_import_batch.h"

#include "ast_asset.h"
#include "ldg_exec.h"
#include "ldg_hash.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- submitting in batches (specs/import.md §4) ---- */

/* The payload and type of a step's transaction for row r (NULL for the issue). */
static uint64_t payload(ldg_enc *p, const cli_imp_job *j, cli_imp_step step, const cli_imp_row *r)
{
    ldg_enc_init(p);
    switch (step) {
    case CLI_IMP_STEP_ISSUE:
        ldg_enc_array(p, 6);
        ldg_enc_str(p, j->isin);
        ldg_enc_str(p, j->name);
        ldg_enc_u64(p, j->f->total);
        ldg_enc_bin(p, j->issuer.b, LDG_ACCOUNT_LEN);
        ldg_enc_str(p, j->cls ? j->cls : "");
        ldg_enc_u64(p, j->risk);
        return AST_TX_ISSUE_EQUITY;
    case CLI_IMP_STEP_PARTICIPANT:
        ldg_enc_array(p, 3);
        ldg_enc_str(p, r->name);
        ldg_enc_u64(p, LDG_ROLE_INVESTOR);
        ldg_enc_bin(p, r->pub.b, LDG_PUBKEY_LEN);
        return LDG_TX_PARTICIPANT_REGISTER;
    case CLI_IMP_STEP_PROFILE:
        ldg_enc_array(p, 4);
        ldg_enc_bin(p, r->account.b, LDG_ACCOUNT_LEN);
        ldg_enc_u64(p, r->category);
        ldg_enc_u64(p, r->risk_class);
        ldg_enc_i64(p, r->kyc_days);
        return AST_TX_INVESTOR;
    case CLI_IMP_STEP_TRANSFER:
    default:
        ldg_enc_array(p, 3);
        ldg_enc_str(p, j->isin);
        ldg_enc_u64(p, r->quantity);
        ldg_enc_bin(p, r->account.b, LDG_ACCOUNT_LEN);
        return AST_TX_TRANSFER;
    }
}

/* The expiry of a transaction signed at node time now, `back` slots earlier. */
uint64_t cli_imp_slot_expiry(uint64_t now, unsigned back)
{
    return (now / CLI_IMPORT_SLOT_MS + 2 - back) * CLI_IMPORT_SLOT_MS;
}

bool cli_imp_sign_row(const cli_imp_job *j, const cli_signing *sg, cli_imp_step step, cli_imp_tx *t,
                      uint64_t expiry)
{
    ldg_enc p;
    uint64_t type = payload(&p, j, step, t->row);
    t->wire = cli_sign(j->ctx, sg, type, &p, expiry, true, &t->len, &t->id);
    ldg_enc_free(&p);
    return t->wire != NULL;
}

enum { TX_ABSENT = 0, TX_PENDING = 1, TX_IN_BLOCK = 2 };

/* Where transaction id is: TX_ABSENT, TX_PENDING or TX_IN_BLOCK (with its receipt code and
 * block); a negative CLI code (negated) if the node failed. */
static int tx_status(cli_ctx *ctx, const ldg_hash *id, int *code, uint64_t *height)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 2);
    ldg_enc_str(&e, "tx");
    ldg_enc_bin(&e, id->b, LDG_HASH_LEN);
    int status = 0;
    char *text = NULL;
    ldg_err err = net_client_call(ctx->client, &e, &status, &text);
    ldg_enc_free(&e);
    json_t *j = err == LDG_OK ? json_loads(text, 0, NULL) : NULL;
    free(text);
    if (!j) {
        cli_fail(ctx, "UNAVAILABLE", "the node did not answer: %s", ldg_err_str(err));
        return -CLI_UNAVAILABLE;
    }
    const char *st = json_string_value(json_object_get(j, "status"));
    int r = status == LDG_ERR_NOT_FOUND    ? TX_ABSENT
            : status != 0                  ? -CLI_UNAVAILABLE
            : st && !strcmp(st, "pending") ? TX_PENDING
                                           : TX_IN_BLOCK;
    if (r == TX_IN_BLOCK) {
        *code = (int)json_integer_value(json_object_get(json_object_get(j, "receipt"), "code"));
        *height = (uint64_t)json_integer_value(json_object_get(j, "height"));
    }
    json_decref(j);
    if (r == -CLI_UNAVAILABLE)
        cli_fail(ctx, "UNAVAILABLE", "the node could not say where a transaction is");
    return r;
}

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* tx_status once the transaction is no longer pending (a pending one commits or expires),
 * polling until deadline (monotonic ms). */
static int tx_settle(cli_ctx *ctx, const ldg_hash *id, int *code, uint64_t *height,
                     uint64_t deadline)
{
    for (unsigned i = 0;; i++) {
        int s = tx_status(ctx, id, code, height);
        if (s != TX_PENDING)
            return s;
        if (mono_ms() > deadline) {
            cli_fail(ctx, "TIMEOUT",
                     "a transaction is still pending after %d s; run the import again later "
                     "(it resumes)",
                     CLI_COMMIT_WAIT_MS / 1000);
            return -CLI_UNAVAILABLE;
        }
        usleep(i < 20 ? 5000 : 50000);
    }
}

/* An earlier run's transaction for this row, signed in one of the two previous slots (an
 * older one has expired): waited for if pending. *done when one committed successfully. */
static int earlier_attempt(const cli_imp_job *j, const cli_signing *sg, cli_imp_step step,
                           cli_imp_tx *t, bool *done)
{
    *done = false;
    for (unsigned back = 1; back <= 2 && !*done; back++) {
        if (!cli_imp_sign_row(j, sg, step, t, cli_imp_slot_expiry(sg->now_ms, back)))
            return CLI_UNAVAILABLE;
        free(t->wire);
        t->wire = NULL;
        int code = -1;
        uint64_t h;
        int s = tx_settle(j->ctx, &t->id, &code, &h, mono_ms() + CLI_COMMIT_WAIT_MS);
        if (s < 0)
            return -s;
        *done = s == TX_IN_BLOCK && code == 0;
    }
    return CLI_OK;
}

static void row_where(char *out, size_t len, const cli_imp_row *r)
{
    if (r)
        snprintf(out, len, "line %lu ('%.64s')", r->line, r->name);
    else
        snprintf(out, len, "the issue");
}

/* The node's check of a batch's first transaction: a refusal that would hit every row (a
 * missing role, a lockup) stops the import before the batch is submitted. A replay is an
 * earlier run's transaction, not a refusal. */
int cli_imp_check(cli_imp_job *j, const cli_imp_tx *t)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 2);
    ldg_enc_str(&e, "check");
    ldg_enc_bin(&e, t->wire, t->len);
    int rc;
    json_t *c = cli_call(j->ctx, &e, &rc);
    ldg_enc_free(&e);
    if (!c)
        return rc;
    int code = (int)json_integer_value(json_object_get(c, "code"));
    if (!json_is_true(json_object_get(c, "allowed")) && code != LDG_R_REPLAY) {
        char where[128];
        const char *d = json_string_value(json_object_get(c, "detail"));
        row_where(where, sizeof where, t->row);
        cli_fail(j->ctx, json_string_value(json_object_get(c, "name")) ?: "REFUSED",
                 "%s refused before submission: %s (code %d): %s%s%s; this batch was not "
                 "submitted",
                 where, json_string_value(json_object_get(c, "name")) ?: "?", code,
                 json_string_value(json_object_get(c, "message")) ?: "", d && *d ? " — " : "",
                 d ? d : "");
        rc = CLI_REJECTED;
    }
    json_decref(c);
    return rc;
}

static int submit_batch(cli_imp_job *j, const cli_imp_tx *b, size_t n)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, (uint32_t)n + 1);
    ldg_enc_str(&e, "submit");
    for (size_t i = 0; i < n; i++)
        ldg_enc_bin(&e, b[i].wire, b[i].len);
    int rc;
    json_t *r = cli_call(j->ctx, &e, &rc);
    ldg_enc_free(&e);
    if (!r)
        return rc;
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(r, "rejected"), i, x)
    {
        int code = (int)json_integer_value(json_object_get(x, "code"));
        json_int_t k = json_integer_value(json_object_get(x, "index"));
        if (code == LDG_R_REPLAY || k < 0 || (size_t)k >= n)
            continue; /* already pending or committed: waited for like the others */
        char where[128];
        row_where(where, sizeof where, b[k].row);
        cli_fail(j->ctx, json_string_value(json_object_get(x, "name")) ?: "REFUSED",
                 "%s refused by the node: %s (code %d): %s", where,
                 json_string_value(json_object_get(x, "name")) ?: "?", code,
                 json_string_value(json_object_get(x, "message")) ?: "");
        rc = CLI_REJECTED;
        break;
    }
    json_decref(r);
    return rc;
}

/* A batch's ids sorted, to find them in the blocks that carry them. */
typedef struct imp_idx {
    ldg_hash id;
    size_t k;
} imp_idx;

static int cmp_idx(const void *a, const void *b)
{
    return memcmp(((const imp_idx *)a)->id.b, ((const imp_idx *)b)->id.b, LDG_HASH_LEN);
}

/* Receipt codes of the batch's transactions found in block h (codes[k], -1 until found). */
static int block_codes(cli_ctx *ctx, uint64_t h, const imp_idx *ix, size_t n, int *codes)
{
    json_int_t after = -1;
    for (;;) {
        ldg_enc e;
        ldg_enc_init(&e);
        ldg_enc_array(&e, 4);
        ldg_enc_str(&e, "block");
        ldg_enc_u64(&e, h);
        after < 0 ? ldg_enc_nil(&e) : ldg_enc_u64(&e, (uint64_t)after);
        ldg_enc_u64(&e, 0);
        int rc;
        json_t *b = cli_call(ctx, &e, &rc);
        ldg_enc_free(&e);
        if (!b)
            return rc;
        size_t i;
        json_t *t;
        json_array_foreach(json_object_get(b, "txs"), i, t)
        {
            const char *hex = json_string_value(json_object_get(t, "id"));
            imp_idx key;
            if (!hex || strlen(hex) != 2 * LDG_HASH_LEN ||
                ldg_hex_decode(key.id.b, LDG_HASH_LEN, hex))
                continue;
            const imp_idx *m = bsearch(&key, ix, n, sizeof *ix, cmp_idx);
            if (m)
                codes[m->k] =
                    (int)json_integer_value(json_object_get(json_object_get(t, "receipt"), "code"));
        }
        json_t *next = json_object_get(b, "next");
        after = json_is_integer(next) ? json_integer_value(next) : -1;
        json_decref(b);
        if (after < 0)
            return CLI_OK;
    }
}

/* Waits until the node's tip is at least h: a transaction's block may be found by id a
 * moment before the tip says it is committed. */
static int wait_tip(cli_ctx *ctx, uint64_t h, uint64_t deadline)
{
    for (;;) {
        int rc;
        json_t *st = cli_query(ctx, "status", NULL, &rc);
        if (!st)
            return rc;
        uint64_t tip = (uint64_t)json_integer_value(json_object_get(st, "height"));
        json_decref(st);
        if (tip >= h)
            return CLI_OK;
        if (mono_ms() > deadline) {
            cli_fail(ctx, "TIMEOUT", "the node's tip did not reach block %llu",
                     (unsigned long long)h);
            return CLI_UNAVAILABLE;
        }
        usleep(5000);
    }
}

/* Waits until every transaction of the batch is in a block, reading each block once (not
 * each transaction); then a failed receipt stops the import, naming its row. */
static int wait_batch(cli_imp_job *j, const cli_imp_tx *b, size_t n, uint64_t h0)
{
    uint64_t deadline = mono_ms() + CLI_COMMIT_WAIT_MS;
    int code = 0, rc = CLI_OK;
    uint64_t top = h0;
    int s = tx_settle(j->ctx, &b[n - 1].id, &code, &top, deadline);
    if (s < 0)
        return -s;
    imp_idx *ix = malloc(n * sizeof *ix);
    int *codes = malloc(n * sizeof *codes);
    LDG_ASSERT(ix && codes);
    for (size_t i = 0; i < n; i++) {
        ix[i] = (imp_idx){.id = b[i].id, .k = i};
        codes[i] = -1;
    }
    qsort(ix, n, sizeof *ix, cmp_idx);
    if (s == TX_IN_BLOCK)
        rc = wait_tip(j->ctx, top, deadline);
    for (uint64_t h = h0 + 1; h <= top && rc == CLI_OK; h++)
        rc = block_codes(j->ctx, h, ix, n, codes);
    for (size_t i = 0; i < n && rc == CLI_OK; i++) {
        uint64_t hh;
        if (codes[i] < 0) { /* in a later block, or absent: asked one by one */
            s = tx_settle(j->ctx, &b[i].id, &codes[i], &hh, deadline);
            if (s < 0)
                rc = -s;
            else if (s == TX_ABSENT)
                codes[i] = LDG_R_EXPIRED; /* dropped: not committed, re-run resumes */
        }
        if (rc == CLI_OK && codes[i] != 0) {
            char where[128];
            row_where(where, sizeof where, b[i].row);
            cli_fail(j->ctx, ldg_result_name((ldg_result)codes[i]),
                     "%s was not applied: %s (code %d): %s; 'folio tx show' has the receipt; "
                     "fix it and run the import again (it resumes)",
                     where, ldg_result_name((ldg_result)codes[i]), codes[i],
                     ldg_result_text((ldg_result)codes[i]));
            rc = CLI_REJECTED;
        }
    }
    free(ix);
    free(codes);
    return rc;
}

static void progress(cli_imp_job *j, const char *what)
{
    if (!j->tty || !j->progress_total)
        return;
    enum { WIDTH = 30 };
    size_t fill = j->progress * WIDTH / j->progress_total;
    char bar[WIDTH + 1], done[32], all[32];
    memset(bar, '#', fill);
    memset(bar + fill, '.', WIDTH - fill);
    bar[WIDTH] = 0;
    cli_num(done, sizeof done, j->progress);
    cli_num(all, sizeof all, j->progress_total);
    fprintf(stderr, "\r\033[K%-13s [%s] %s/%s", what, bar, done, all);
}

/* A batch between its submission and its commit. */
typedef struct imp_batch {
    cli_imp_tx *tx;
    size_t n;
    uint64_t h0; /* the tip when it was signed: its blocks come after */
} imp_batch;

/* Signs the next rows idx[*at..] (skipping those an earlier run committed), has the node
 * check the first and submits them. */
static int send_batch(cli_imp_job *j, cli_signing *sg, cli_imp_step step, const size_t *idx,
                      size_t count, size_t *at, imp_batch *b)
{
    int rc = cli_sign_refresh(j->ctx, sg);
    b->n = 0;
    b->h0 = sg->height;
    uint64_t expiry = cli_imp_slot_expiry(sg->now_ms, 0);
    while (rc == CLI_OK && *at < count && b->n < CLI_IMPORT_BATCH_TX) {
        size_t r = idx[(*at)++];
        cli_imp_tx *t = &b->tx[b->n];
        *t = (cli_imp_tx){.row = r == SIZE_MAX ? NULL : &j->f->rows[r]};
        bool done = false;
        if (j->resume)
            rc = earlier_attempt(j, sg, step, t, &done);
        if (rc == CLI_OK && done)
            j->progress++;
        else if (rc == CLI_OK && !cli_imp_sign_row(j, sg, step, t, expiry))
            rc = CLI_UNAVAILABLE;
        else if (rc == CLI_OK)
            b->n++;
    }
    if (rc == CLI_OK && b->n)
        rc = cli_imp_check(j, &b->tx[0]);
    if (rc == CLI_OK && b->n)
        rc = submit_batch(j, b->tx, b->n);
    return rc;
}

/* Waits for a sent batch (if any) and frees its transactions. */
static int finish_batch(cli_imp_job *j, imp_batch *b, int rc)
{
    if (rc == CLI_OK && b->n)
        rc = wait_batch(j, b->tx, b->n, b->h0);
    for (size_t i = 0; i < b->n; i++)
        free(b->tx[i].wire);
    if (rc == CLI_OK && b->n) {
        j->txs += b->n;
        j->batches++;
        j->progress += b->n;
    }
    b->n = 0;
    return rc;
}

static const char *const step_names[] = {"issue", "participants", "profiles", "transfers"};

/* Every row of idx (count of them; SIZE_MAX stands for the issue) through one step, signed
 * by key `signer`, two batches in flight: the next is signed and admitted while the
 * previous one is in a block. */
int cli_imp_run_step(cli_imp_job *j, cli_imp_step step, const size_t *idx, size_t count,
                     const char *signer)
{
    if (count == 0)
        return CLI_OK;
    cli_signing sg;
    const char *as = j->ctx->as;
    j->ctx->as = signer;
    int rc = cli_sign_begin(j->ctx, &sg);
    j->ctx->as = as;
    if (rc != CLI_OK)
        return rc;
    imp_batch b[2] = {{.tx = calloc(CLI_IMPORT_BATCH_TX, sizeof(cli_imp_tx))},
                      {.tx = calloc(CLI_IMPORT_BATCH_TX, sizeof(cli_imp_tx))}};
    LDG_ASSERT(b[0].tx && b[1].tx);
    j->progress = 0;
    j->progress_total = count;
    size_t at = 0;
    for (int cur = 0; rc == CLI_OK && (at < count || b[1 - cur].n); cur = 1 - cur) {
        if (at < count)
            rc = send_batch(j, &sg, step, idx, count, &at, &b[cur]);
        rc = finish_batch(j, &b[1 - cur], rc);
        progress(j, step_names[step]);
    }
    rc = finish_batch(j, &b[0], rc);
    rc = finish_batch(j, &b[1], rc);
    if (j->tty)
        fprintf(stderr, "\r\033[K");
    free(b[0].tx);
    free(b[1].tx);
    cli_sign_end(&sg);
    return rc;
}

/* Whether an earlier run may have begun: some holder of the file is a participant already
 * (then registrations and profiles of earlier slots are looked for, specs/import.md §6). */
bool cli_imp_any_known(const cli_imp_file *f)
{
    for (size_t i = 0; i < f->n; i++)
        if (f->rows[i].known)
            return true;
    return false;
}

/* The rows a step applies to, in file order. */
size_t cli_imp_select(const cli_imp_file *f, cli_imp_step step, size_t *idx)
{
    size_t n = 0;
    for (size_t i = 0; i < f->n; i++) {
        const cli_imp_row *r = &f->rows[i];
        bool take = step == CLI_IMP_STEP_PARTICIPANT ? !r->known
                    : step == CLI_IMP_STEP_PROFILE   ? r->needs_profile
                                                     : !r->done && !r->is_issuer;
        if (take)
            idx[n++] = i;
    }
    return n;
}
