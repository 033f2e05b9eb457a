/* folio control freeze|unfreeze|force-transfer|approve: regulator controls. */
#include "ast_asset.h"
#include "cli.h"

#include <string.h>

static void usage(void)
{
    printf("usage: folio control freeze ISIN ACCOUNT --quantity N --order DOC_SHA256\n"
           "       folio control unfreeze ISIN ACCOUNT [--quantity N] --order DOC_SHA256\n"
           "       folio control force-transfer ISIN QUANTITY --from A --to B --order DOC_SHA256\n"
           "       folio control approve ID\n\n"
           "Regulator role. DOC_SHA256 is the SHA-256 (64 hex) of the legal order, recorded\n"
           "on the ledger. A frozen quantity cannot move. A force transfer takes effect only\n"
           "when a second, different regulator approves it (maker-checker); it overrides\n"
           "transfer rules and freezes, not balances.\n"
           "N and QUANTITY of a security are whole units; of cash (ISIN is then a currency\n"
           "code such as CNY) an amount in its units with at most its decimals (100.50).\n");
}

static bool order(cli_ctx *ctx, const char *s, uint8_t out[32])
{
    if (!s || strlen(s) != 64 || ldg_hex_decode(out, 32, s) != 0) {
        cli_fail(ctx, "USAGE", "--order is the 64-hex SHA-256 of the legal order document");
        return false;
    }
    return true;
}

static int freeze(cli_ctx *ctx, int argc, char **argv, bool on)
{
    static const char *const opts[] = {"--quantity", "--order", NULL};
    if (!cli_check_opts(ctx, argc, argv, opts, NULL))
        return CLI_USAGE;
    const char *id = cli_pos(argc, argv, 0, opts), *who = cli_pos(argc, argv, 1, opts);
    const char *q = cli_opt(argc, argv, "--quantity");
    uint64_t qty = 0;
    uint8_t doc[32];
    char amount[CLI_MONEY_LEN] = "";
    if (!id || !who || (on && !q)) {
        cli_fail(ctx, "USAGE", "usage: folio control %s ISIN ACCOUNT --quantity N --order SHA256",
                 on ? "freeze" : "unfreeze");
        return CLI_USAGE;
    }
    /* Cash is frozen as an amount in its units, securities in whole units (specs/money.md). */
    if (q && cli_instrument_amount_parse(ctx, "--quantity", id, q, &qty, amount) != CLI_OK)
        return CLI_USAGE;
    if (!order(ctx, cli_opt(argc, argv, "--order"), doc))
        return CLI_USAGE;
    ldg_account a;
    int rc = cli_resolve_account(ctx, who, &a);
    if (rc != CLI_OK)
        return rc;
    ldg_enc p;
    ldg_enc_init(&p);
    ldg_enc_array(&p, 4);
    ldg_enc_str(&p, id);
    ldg_enc_bin(&p, a.b, LDG_ACCOUNT_LEN);
    ldg_enc_u64(&p, qty);
    ldg_enc_bin(&p, doc, 32);
    char what[CLI_MONEY_LEN + 128];
    snprintf(what, sizeof what, "%s %s of %s", on ? "freeze" : "unfreeze", q ? amount : id, who);
    rc = cli_submit(ctx, on ? AST_TX_FREEZE : AST_TX_UNFREEZE, &p, what, NULL);
    ldg_enc_free(&p);
    return rc;
}

static int force(cli_ctx *ctx, int argc, char **argv)
{
    static const char *const opts[] = {"--from", "--to", "--order", NULL};
    if (!cli_check_opts(ctx, argc, argv, opts, NULL))
        return CLI_USAGE;
    const char *id = cli_pos(argc, argv, 0, opts), *q = cli_pos(argc, argv, 1, opts);
    const char *from_s = cli_opt(argc, argv, "--from"), *to_s = cli_opt(argc, argv, "--to");
    uint64_t qty;
    uint8_t doc[32];
    if (!id || !q || !from_s || !to_s) {
        cli_fail(
            ctx, "USAGE",
            "usage: folio control force-transfer ISIN QUANTITY --from A --to B --order SHA256");
        return CLI_USAGE;
    }
    if (cli_instrument_amount_parse(ctx, "QUANTITY", id, q, &qty, NULL) != CLI_OK)
        return CLI_USAGE;
    if (!order(ctx, cli_opt(argc, argv, "--order"), doc))
        return CLI_USAGE;
    ldg_account from, to;
    int rc = cli_resolve_account(ctx, from_s, &from);
    if (rc == CLI_OK)
        rc = cli_resolve_account(ctx, to_s, &to);
    if (rc != CLI_OK)
        return rc;
    ldg_enc p;
    ldg_enc_init(&p);
    ldg_enc_array(&p, 5);
    ldg_enc_str(&p, id);
    ldg_enc_u64(&p, qty);
    ldg_enc_bin(&p, from.b, LDG_ACCOUNT_LEN);
    ldg_enc_bin(&p, to.b, LDG_ACCOUNT_LEN);
    ldg_enc_bin(&p, doc, 32);
    json_t *tx = NULL;
    rc = cli_submit(ctx, AST_TX_FORCE_PROPOSE, &p, "force transfer proposal", &tx);
    ldg_enc_free(&p);
    if (rc == CLI_OK && !ctx->json)
        printf("proposal %llu: nothing moves until another regulator runs "
               "'folio control approve %llu'\n",
               (unsigned long long)cli_receipt_id(tx), (unsigned long long)cli_receipt_id(tx));
    json_decref(tx);
    return rc;
}

static int approve(cli_ctx *ctx, int argc, char **argv)
{
    uint64_t id;
    if (argc < 2 || !cli_parse_u64(argv[1], UINT64_MAX, &id)) {
        cli_fail(ctx, "USAGE", "usage: folio control approve ID");
        return CLI_USAGE;
    }
    ldg_enc p;
    ldg_enc_init(&p);
    ldg_enc_array(&p, 1);
    ldg_enc_u64(&p, id);
    char what[64];
    snprintf(what, sizeof what, "approve force transfer %llu", (unsigned long long)id);
    int rc = cli_submit(ctx, AST_TX_FORCE_APPROVE, &p, what, NULL);
    ldg_enc_free(&p);
    return rc;
}

int cli_control_main(cli_ctx *ctx, int argc, char **argv)
{
    const char *verb = argc > 1 ? argv[1] : NULL;
    if (!verb || cli_wants_help(argc, argv)) {
        usage();
        return verb ? CLI_OK : CLI_USAGE;
    }
    if (!strcmp(verb, "freeze"))
        return freeze(ctx, argc - 1, argv + 1, true);
    if (!strcmp(verb, "unfreeze"))
        return freeze(ctx, argc - 1, argv + 1, false);
    if (!strcmp(verb, "force-transfer"))
        return force(ctx, argc - 1, argv + 1);
    if (!strcmp(verb, "approve"))
        return approve(ctx, argc - 1, argv + 1);
    cli_fail(ctx, "USAGE", "unknown verb 'control %s' (freeze, unfreeze, force-transfer, approve)",
             verb);
    return CLI_USAGE;
}
