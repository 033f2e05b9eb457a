/* folio investor register|show: investor suitability profiles. */
#include "ast_asset.h"
#include "cli.h"
#include "cli_views.h"
#include "cli_import.h"

#include <string.h>

bool cli_parse_date(const char *s, int64_t *days); /* cli_asset.c */

static void usage(void)
{
    printf("usage: folio investor register ACCOUNT --category professional|ordinary\n"
           "                                --risk-class C1..C5 --kyc-expiry YYYY-MM-DD\n"
           "       folio investor show ACCOUNT\n"
           "       folio investor import FILE.csv [--dry-run]\n\n"
           "Registering needs the broker or registrar role. An ordinary investor may receive\n"
           "only instruments whose risk level (R1..R5) is at most their class; an expired KYC\n"
           "blocks every incoming security; professional investors pass the risk check.\n"
           "Accounts without a profile (brokers, issuers, the CCP) are not checked.\n");
}

static int reg(cli_ctx *ctx, int argc, char **argv)
{
    static const char *const opts[] = {"--category", "--risk-class", "--kyc-expiry", NULL};
    if (!cli_check_opts(ctx, argc, argv, opts, NULL))
        return CLI_USAGE;
    const char *who = cli_pos(argc, argv, 0, opts), *cat = cli_opt(argc, argv, "--category");
    const char *cls = cli_opt(argc, argv, "--risk-class"),
               *kyc = cli_opt(argc, argv, "--kyc-expiry");
    if (!who || !cat || !cls || !kyc) {
        cli_fail(ctx, "USAGE",
                 "investor register needs ACCOUNT, --category, --risk-class and "
                 "--kyc-expiry");
        return CLI_USAGE;
    }
    uint64_t c = !strcmp(cat, "professional") ? 1 : !strcmp(cat, "ordinary") ? 2 : 0;
    if (!c) {
        cli_fail(ctx, "BAD_INVESTOR", "--category is professional or ordinary");
        return CLI_USAGE;
    }
    if ((cls[0] != 'C' && cls[0] != 'c') || cls[1] < '1' || cls[1] > '5' || cls[2]) {
        cli_fail(ctx, "BAD_INVESTOR", "--risk-class is C1, C2, C3, C4 or C5");
        return CLI_USAGE;
    }
    int64_t days;
    if (!cli_parse_date(kyc, &days)) {
        cli_fail(ctx, "BAD_DATES", "--kyc-expiry is YYYY-MM-DD");
        return CLI_USAGE;
    }
    ldg_account a;
    int rc = cli_resolve_account(ctx, who, &a);
    if (rc != CLI_OK)
        return rc;
    ldg_enc p;
    ldg_enc_init(&p);
    ldg_enc_array(&p, 4);
    ldg_enc_bin(&p, a.b, LDG_ACCOUNT_LEN);
    ldg_enc_u64(&p, c);
    ldg_enc_u64(&p, (uint64_t)(cls[1] - '0'));
    ldg_enc_i64(&p, days);
    char what[128];
    snprintf(what, sizeof what, "register investor %s", who);
    rc = cli_submit(ctx, AST_TX_INVESTOR, &p, what, NULL);
    ldg_enc_free(&p);
    return rc;
}

static int show(cli_ctx *ctx, const char *who)
{
    ldg_account a;
    int rc = cli_resolve_account(ctx, who, &a);
    if (rc != CLI_OK)
        return rc;
    char hex[LDG_ACCOUNT_HEX_LEN];
    ldg_account_hex(hex, &a);
    json_t *j = cli_query(ctx, "investor", hex, &rc);
    if (!j)
        return rc;
    if (ctx->json) {
        cli_print_json(j);
    } else {
        printf("investor %s (%s)\n  category    %s\n  risk class  %s\n  KYC expiry  %s\n",
               json_string_value(json_object_get(j, "name")), hex,
               json_string_value(json_object_get(j, "category")),
               json_string_value(json_object_get(j, "risk_class")),
               json_string_value(json_object_get(j, "kyc_expiry")));
    }
    json_decref(j);
    return CLI_OK;
}

int cli_investor_main(cli_ctx *ctx, int argc, char **argv)
{
    const char *verb = argc > 1 ? argv[1] : NULL;
    if (!verb || cli_wants_help(argc, argv)) {
        usage();
        return verb ? CLI_OK : CLI_USAGE;
    }
    if (!strcmp(verb, "register"))
        return reg(ctx, argc - 1, argv + 1);
    if (!strcmp(verb, "show") && argc > 2)
        return show(ctx, argv[2]);
    if (!strcmp(verb, "list"))
        return cli_investor_list(ctx, argc - 1, argv + 1);
    if (!strcmp(verb, "import"))
        return cli_investor_import(ctx, argc - 1, argv + 1);
    cli_fail(ctx, "USAGE", "investor register ACCOUNT ... | investor show ACCOUNT | investor list");
    return CLI_USAGE;
}
