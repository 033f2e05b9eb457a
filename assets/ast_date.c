/* Civil date arithmetic after Howard Hinnant, "chrono-Compatible Low-Level Date Algorithms"
 * (days_from_civil / civil_from_days): the year is shifted to start on March 1 so the leap
 * day is the last day of the shifted year, and 400-year eras of 146097 days make the
 * arithmetic exact for negative years too. Written here for int32 days and int64
 * intermediates. */
#include "ast_date.h"

#include <string.h>

const char *ast_date_err_str(ast_date_err err)
{
    switch (err) {
    case AST_DATE_OK:
        return "ok";
    case AST_DATE_ERR_FORMAT:
        return "date is not of the form YYYY-MM-DD";
    case AST_DATE_ERR_YEAR:
        return "year is outside 0001..9999";
    case AST_DATE_ERR_MONTH:
        return "month is outside 01..12";
    case AST_DATE_ERR_DAY:
        return "day does not exist in that month";
    case AST_DATE_ERR_RANGE:
        return "date is outside the supported range";
    case AST_DATE_ERR_DURATION:
        return "duration is not of the form <digits><unit>";
    case AST_DATE_ERR_UNIT:
        return "duration unit is not one of s, m, h, d, w";
    case AST_DATE_ERR_OVERFLOW:
        return "duration is too large";
    }
    return "unknown date error";
}

bool ast_date_is_leap_year(int32_t year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

unsigned ast_date_days_in_month(int32_t year, unsigned month)
{
    static const unsigned char days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    LDG_ASSERT(month >= 1 && month <= 12);
    if (month == 2 && ast_date_is_leap_year(year))
        return 29;
    return days[month - 1];
}

bool ast_date_is_valid(ast_date d)
{
    return d.days >= AST_DATE_DAYS_MIN && d.days <= AST_DATE_DAYS_MAX;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a >= 0 ? a / b : (a - b + 1) / b;
}

/* Hinnant's days_from_civil; the caller has validated y/m/d. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;                                   /* [0, 399] */
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

/* Hinnant's civil_from_days. */
static void civil_from_days(int64_t *y, unsigned *m, unsigned *d, int64_t z)
{
    z += 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;                                      /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
    int64_t mp = (5 * doy + 2) / 153;                                    /* [0, 11] */
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

ast_date_err ast_date_from_civil(ast_date *out, int32_t year, unsigned month, unsigned day)
{
    if (year < AST_DATE_YEAR_MIN || year > AST_DATE_YEAR_MAX)
        return AST_DATE_ERR_YEAR;
    if (month < 1 || month > 12)
        return AST_DATE_ERR_MONTH;
    if (day < 1 || day > ast_date_days_in_month(year, month))
        return AST_DATE_ERR_DAY;
    out->days = (int32_t)days_from_civil(year, month, day);
    return AST_DATE_OK;
}

void ast_date_to_civil(int32_t *year, unsigned *month, unsigned *day, ast_date d)
{
    LDG_ASSERT(ast_date_is_valid(d));
    int64_t y;
    unsigned m, dd;
    civil_from_days(&y, &m, &dd, d.days);
    if (year)
        *year = (int32_t)y;
    if (month)
        *month = m;
    if (day)
        *day = dd;
}

unsigned ast_date_day_of_month(ast_date d)
{
    unsigned day;
    ast_date_to_civil(NULL, NULL, &day, d);
    return day;
}

unsigned ast_date_weekday(ast_date d)
{
    LDG_ASSERT(ast_date_is_valid(d));
    /* 1970-01-01 was a Thursday (ISO 4). */
    int64_t k = ((int64_t)d.days + 3) % 7;
    if (k < 0)
        k += 7;
    return (unsigned)k + 1;
}

bool ast_date_is_end_of_month(ast_date d)
{
    int32_t y;
    unsigned m, day;
    ast_date_to_civil(&y, &m, &day, d);
    return day == ast_date_days_in_month(y, m);
}

ast_date ast_date_end_of_month(ast_date d)
{
    int32_t y;
    unsigned m, day;
    ast_date_to_civil(&y, &m, &day, d);
    ast_date r = {.days = d.days + (int32_t)(ast_date_days_in_month(y, m) - day)};
    return r;
}

/* Reads n ASCII digits; false if any is not a digit. */
static bool read_digits(unsigned *out, const char *s, size_t n)
{
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return true;
}

ast_date_err ast_date_parse(ast_date *out, const char *str, size_t len)
{
    LDG_ASSERT(out != NULL && (str != NULL || len == 0));
    if (len != AST_DATE_STR_LEN || str[4] != '-' || str[7] != '-')
        return AST_DATE_ERR_FORMAT;
    unsigned y, m, d;
    if (!read_digits(&y, str, 4) || !read_digits(&m, str + 5, 2) || !read_digits(&d, str + 8, 2))
        return AST_DATE_ERR_FORMAT;
    return ast_date_from_civil(out, (int32_t)y, m, d);
}

static void put_digits(char *out, unsigned v, size_t n)
{
    for (size_t i = n; i-- > 0;) {
        out[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

size_t ast_date_format(char *out, size_t out_size, ast_date d)
{
    LDG_ASSERT(out != NULL && out_size >= AST_DATE_STR_SIZE);
    int32_t y;
    unsigned m, day;
    ast_date_to_civil(&y, &m, &day, d);
    put_digits(out, (unsigned)y, 4);
    out[4] = '-';
    put_digits(out + 5, m, 2);
    out[7] = '-';
    put_digits(out + 8, day, 2);
    out[AST_DATE_STR_LEN] = '\0';
    return AST_DATE_STR_LEN;
}

ast_date_err ast_date_from_block_time(ast_date *out, uint64_t time_ms)
{
    LDG_ASSERT(out != NULL);
    uint64_t days = time_ms / AST_MS_PER_DAY;
    if (days > (uint64_t)AST_DATE_DAYS_MAX)
        return AST_DATE_ERR_RANGE;
    out->days = (int32_t)days;
    return AST_DATE_OK;
}

ast_date_err ast_date_start_ms(uint64_t *out_ms, ast_date d)
{
    LDG_ASSERT(out_ms != NULL && ast_date_is_valid(d));
    if (d.days < 0)
        return AST_DATE_ERR_RANGE;
    /* 2932896 days * 86400000 ms < 2^58: no overflow possible. */
    *out_ms = (uint64_t)d.days * AST_MS_PER_DAY;
    return AST_DATE_OK;
}

ast_date_err ast_date_end_ms(uint64_t *out_ms, ast_date d)
{
    uint64_t start;
    ast_date_err err = ast_date_start_ms(&start, d);
    if (err != AST_DATE_OK)
        return err;
    *out_ms = start + AST_MS_PER_DAY - 1;
    return AST_DATE_OK;
}

/* Year and month (1..12) that lie `months` after y/m, or false when out of range. */
static bool shift_month(int32_t *out_y, unsigned *out_m, int32_t y, unsigned m, int32_t months)
{
    int64_t index = (int64_t)y * 12 + (int64_t)(m - 1) + months; /* no overflow in int64 */
    int64_t ny = floor_div(index, 12);
    if (ny < AST_DATE_YEAR_MIN || ny > AST_DATE_YEAR_MAX)
        return false;
    *out_y = (int32_t)ny;
    *out_m = (unsigned)(index - ny * 12) + 1;
    return true;
}

static ast_date_err add_months(ast_date *out, ast_date d, int32_t months, bool eom)
{
    LDG_ASSERT(out != NULL);
    int32_t y, ny;
    unsigned m, day, nm;
    ast_date_to_civil(&y, &m, &day, d);
    if (!shift_month(&ny, &nm, y, m, months))
        return AST_DATE_ERR_RANGE;
    unsigned last = ast_date_days_in_month(ny, nm);
    unsigned nd = (eom || day > last) ? last : day;
    ast_date_err err = ast_date_from_civil(out, ny, nm, nd);
    LDG_ASSERT(err == AST_DATE_OK);
    return AST_DATE_OK;
}

ast_date_err ast_date_add_months(ast_date *out, ast_date d, int32_t months)
{
    return add_months(out, d, months, false);
}

ast_date_err ast_date_add_months_eom(ast_date *out, ast_date d, int32_t months)
{
    return add_months(out, d, months, true);
}

static bool unit_ms(uint64_t *out, const char *unit, size_t len)
{
    if (len != 1)
        return false;
    switch (unit[0]) {
    case 's':
        *out = AST_MS_PER_SECOND;
        return true;
    case 'm':
        *out = AST_MS_PER_MINUTE;
        return true;
    case 'h':
        *out = AST_MS_PER_HOUR;
        return true;
    case 'd':
        *out = AST_MS_PER_DAY;
        return true;
    case 'w':
        *out = AST_MS_PER_WEEK;
        return true;
    }
    return false;
}

ast_date_err ast_duration_parse(uint64_t *out_ms, const char *str, size_t len)
{
    LDG_ASSERT(out_ms != NULL && (str != NULL || len == 0));
    size_t n = 0;
    while (n < len && str[n] >= '0' && str[n] <= '9')
        n++;
    if (n == 0 || n == len || (n > 1 && str[0] == '0'))
        return AST_DATE_ERR_DURATION;
    uint64_t scale;
    if (!unit_ms(&scale, str + n, len - n))
        return AST_DATE_ERR_UNIT;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (__builtin_mul_overflow(v, 10, &v) ||
            __builtin_add_overflow(v, (uint64_t)(str[i] - '0'), &v))
            return AST_DATE_ERR_OVERFLOW;
    }
    if (__builtin_mul_overflow(v, scale, &v))
        return AST_DATE_ERR_OVERFLOW;
    *out_ms = v;
    return AST_DATE_OK;
}
