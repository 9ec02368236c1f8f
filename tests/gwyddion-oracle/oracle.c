/*
 * gwy-oracle: loads AFM files with Gwyddion's own file modules and dumps every channel, or applies one of
 * Gwyddion's processing functions to one channel and dumps the result with its timing. AfmEdge's tests
 * compare themselves against this output; the record format is described in README.md beside this file.
 *
 *   gwy-oracle dump FILE OUT
 *   gwy-oracle process FILE CHANNEL-ID OP REPEAT OUT
 *
 * OUT is a file name or "-" for stdout. Exit status: 0 ok, 1 Gwyddion could not load the file or the
 * channel does not exist, 2 bad usage.
 *
 * Only the GLib-level libraries are used (libgwyddion, libprocess, libgwymodule): the file modules run
 * without GTK being initialised, so the oracle works headless.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <glib.h>
#include <glib-object.h>
#include <libgwyddion/gwyddion.h>
#include <libgwyddion/gwycontainer.h>
#include <libgwyddion/gwysiunit.h>
#include <libgwyddion/gwythreads.h>
#include <libgwyddion/gwyutils.h>
#include <libprocess/gwyprocess.h>
#include <libprocess/datafield.h>
#include <libprocess/dataline.h>
#include <libprocess/level.h>
#include <libprocess/correct.h>
#include <libprocess/filters.h>
#include <libprocess/stats.h>
#include <libprocess/tip.h>
#include <libgwymodule/gwymoduleloader.h>
#include <libgwymodule/gwymodule-file.h>
#include <libgwymodule/gwymodule-process.h>

#define MAX_REPEAT 100000

static void
json_string(FILE *out, const gchar *s)
{
    gchar *valid = g_utf8_make_valid(s ? s : "", -1);
    const guchar *p;

    fputc('"', out);
    for (p = (const guchar *)valid; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(out, "\\u%04x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
    g_free(valid);
}

static gchar*
unit_string(GwySIUnit *unit)
{
    return gwy_si_unit_get_string(unit, GWY_SI_UNIT_FORMAT_PLAIN);
}

/* One record: a JSON header line, then xres*yres little-endian float64 values, row by row from the top. */
static void
write_record(FILE *out, gint id, const gchar *title, GwyDataField *field, const gchar *op, gdouble ms, gint repeat)
{
    gchar *xyunit = unit_string(gwy_data_field_get_si_unit_xy(field));
    gchar *zunit = unit_string(gwy_data_field_get_si_unit_z(field));
    gint xres = gwy_data_field_get_xres(field), yres = gwy_data_field_get_yres(field);
    const gdouble *data = gwy_data_field_get_data_const(field);
    gint n = xres*yres, i;

    fprintf(out, "{\"id\":%d,\"title\":", id);
    json_string(out, title);
    fprintf(out, ",\"xres\":%d,\"yres\":%d,\"xreal\":%.17g,\"yreal\":%.17g,\"xoff\":%.17g,\"yoff\":%.17g,",
            xres, yres,
            gwy_data_field_get_xreal(field), gwy_data_field_get_yreal(field),
            gwy_data_field_get_xoffset(field), gwy_data_field_get_yoffset(field));
    fputs("\"xyunit\":", out);
    json_string(out, xyunit);
    fputs(",\"zunit\":", out);
    json_string(out, zunit);
    if (op) {
        fputs(",\"op\":", out);
        json_string(out, op);
        fprintf(out, ",\"repeat\":%d,\"ms\":%.6f,\"threads\":%s", repeat, ms,
                gwy_threads_are_enabled() ? "true" : "false");
    }
    fputs("}\n", out);

    /* The record is defined as little-endian whatever the host. */
    for (i = 0; i < n; i++) {
        union { gdouble d; guint64 u; } v;
        v.d = data[i];
        v.u = GUINT64_TO_LE(v.u);
        fwrite(&v.u, sizeof(v.u), 1, out);
    }

    g_free(xyunit);
    g_free(zunit);
}

typedef struct {
    GArray *ids;
} CollectIds;

/* Channels live under "/N/data" keys; collect every N whose value is a data field. */
static void
collect_channel(gpointer hkey, gpointer hvalue, gpointer user_data)
{
    CollectIds *c = (CollectIds *)user_data;
    const gchar *key = g_quark_to_string(GPOINTER_TO_UINT(hkey));
    GValue *value = (GValue *)hvalue;
    gchar *end = NULL;
    glong id;

    if (!key || key[0] != '/' || !g_ascii_isdigit(key[1]))
        return;
    id = strtol(key + 1, &end, 10);
    if (!end || strcmp(end, "/data") != 0 || id < 0 || id > G_MAXINT)
        return;
    if (!G_VALUE_HOLDS_OBJECT(value) || !GWY_IS_DATA_FIELD(g_value_get_object(value)))
        return;
    gint iid = (gint)id;
    g_array_append_val(c->ids, iid);
}

static gint
compare_ints(gconstpointer a, gconstpointer b)
{
    gint x = *(const gint *)a, y = *(const gint *)b;
    return (x > y) - (x < y);
}

static GwyContainer*
load(const gchar *filename)
{
    GError *error = NULL;
    GwyContainer *data = gwy_file_load(filename, GWY_RUN_NONINTERACTIVE, &error);

    if (!data) {
        fprintf(stderr, "gwy-oracle: Gwyddion cannot load %s: %s\n", filename, error ? error->message : "no module");
        g_clear_error(&error);
    }
    return data;
}

static GwyDataField*
channel(GwyContainer *data, gint id, const gchar **title)
{
    gchar key[64];
    GwyDataField *field = NULL;

    g_snprintf(key, sizeof(key), "/%d/data", id);
    if (!gwy_container_gis_object(data, g_quark_from_string(key), (GObject **)&field) || !GWY_IS_DATA_FIELD(field))
        return NULL;
    g_snprintf(key, sizeof(key), "/%d/data/title", id);
    *title = NULL;
    if (!gwy_container_gis_string(data, g_quark_from_string(key), (const guchar **)title))
        *title = "";
    return field;
}

static FILE*
open_out(const gchar *name)
{
    FILE *out;

    if (strcmp(name, "-") == 0)
        return stdout;
    out = fopen(name, "wb");
    if (!out)
        fprintf(stderr, "gwy-oracle: cannot write %s: %s\n", name, strerror(errno));
    return out;
}

static gint
close_out(FILE *out)
{
    gint bad = ferror(out);

    if (out == stdout)
        return fflush(out) != 0 || bad;
    return fclose(out) != 0 || bad;
}

static gint
dump(const gchar *filename, const gchar *outname)
{
    GwyContainer *data = load(filename);
    CollectIds c;
    FILE *out;
    guint i;

    if (!data)
        return 1;
    c.ids = g_array_new(FALSE, FALSE, sizeof(gint));
    gwy_container_foreach(data, NULL, collect_channel, &c);
    g_array_sort(c.ids, compare_ints);

    if (!(out = open_out(outname)))
        return 1;
    for (i = 0; i < c.ids->len; i++) {
        gint id = g_array_index(c.ids, gint, i);
        const gchar *title;
        GwyDataField *field = channel(data, id, &title);
        write_record(out, id, title, field, NULL, 0.0, 0);
    }
    g_array_free(c.ids, TRUE);
    g_object_unref(data);
    return close_out(out) ? 1 : 0;
}

typedef enum {
    OP_PLANE,
    OP_PLANE_MODULE,
    OP_POLY,
    OP_ALIGN_MEDIAN,
    OP_ALIGN_MEAN,
    OP_ALIGN_MEDIAN_DIFF,
    OP_ALIGN_TRIMMED,
    OP_GAUSS,
    OP_MEDIAN,
    OP_TIP_DILATE,
    OP_TIP_ERODE,
    OP_TIP_ESTIMATE,
    OP_FREQ_SPLIT,
} OpKind;

/* The Frequency Split module's output flags and its "Mirror" boundary (modules/process/freq_split.c). */
enum {
    FSPLIT_LOW_PASS = 1,
    FSPLIT_HIGH_PASS = 2,
    FSPLIT_BOUNDARY_MIRROR = 3,
};

typedef struct {
    OpKind kind;
    gint xdeg, ydeg, size;
    gdouble value;
} Op;

static gboolean
parse_op(const gchar *s, Op *op)
{
    gchar *end;

    memset(op, 0, sizeof(*op));
    if (strcmp(s, "plane") == 0)
        op->kind = OP_PLANE;
    else if (strcmp(s, "plane-module") == 0)
        op->kind = OP_PLANE_MODULE;
    else if (sscanf(s, "poly:%d:%d", &op->xdeg, &op->ydeg) == 2)
        op->kind = OP_POLY;
    else if (strcmp(s, "align-median") == 0)
        op->kind = OP_ALIGN_MEDIAN;
    else if (strcmp(s, "align-mean") == 0)
        op->kind = OP_ALIGN_MEAN;
    else if (strcmp(s, "align-median-diff") == 0)
        op->kind = OP_ALIGN_MEDIAN_DIFF;
    else if (g_str_has_prefix(s, "align-trimmed:")) {
        op->kind = OP_ALIGN_TRIMMED;
        op->value = g_ascii_strtod(s + 14, &end);
        return *end == '\0' && op->value >= 0.0 && op->value <= 0.5;
    }
    else if (g_str_has_prefix(s, "gauss:")) {
        op->kind = OP_GAUSS;
        op->value = g_ascii_strtod(s + 6, &end);
        return *end == '\0' && op->value > 0.0;
    }
    else if (sscanf(s, "median:%d", &op->size) == 1)
        op->kind = OP_MEDIAN;
    else if (g_str_has_prefix(s, "tip-dilate:") || g_str_has_prefix(s, "tip-erode:")) {
        /* tip-dilate:R:H — paraboloid of apex radius R (metres) on a (2H+1)² grid of the field's spacing. */
        op->kind = g_str_has_prefix(s, "tip-dilate:") ? OP_TIP_DILATE : OP_TIP_ERODE;
        op->value = g_ascii_strtod(strchr(s, ':') + 1, &end);
        if (*end != ':')
            return FALSE;
        op->size = (gint)strtol(end + 1, &end, 10);
        return *end == '\0' && op->value > 0.0 && op->size >= 0 && op->size <= 100;
    }
    else if (g_str_has_prefix(s, "tip-estimate:")) {
        /* tip-estimate:N:T — partial blind estimate of an N×N tip (N odd) with noise threshold T (data units). */
        op->kind = OP_TIP_ESTIMATE;
        op->size = (gint)strtol(s + 13, &end, 10);
        if (*end != ':')
            return FALSE;
        op->value = g_ascii_strtod(end + 1, &end);
        return *end == '\0' && op->size >= 1 && op->size % 2 == 1 && op->size <= 101 && op->value >= 0.0;
    }
    else if (g_str_has_prefix(s, "fft-low:") || g_str_has_prefix(s, "fft-high:")) {
        /* fft-low:C / fft-high:C — the Frequency Split module, cut-off C in fractions of Nyquist (0 < C ≤ 0.3). */
        op->kind = OP_FREQ_SPLIT;
        op->size = g_str_has_prefix(s, "fft-low:") ? FSPLIT_LOW_PASS : FSPLIT_HIGH_PASS;
        op->value = g_ascii_strtod(strchr(s, ':') + 1, &end);
        return *end == '\0' && op->value > 0.0 && op->value <= 0.3;
    }
    else
        return FALSE;

    if (op->kind == OP_POLY)
        return op->xdeg >= 0 && op->xdeg <= 11 && op->ydeg >= 0 && op->ydeg <= 11;
    if (op->kind == OP_MEDIAN)
        return op->size >= 1;
    return TRUE;
}

static void
subtract_row_shifts(GwyDataField *field, GwyDataLine *shifts)
{
    gwy_data_field_subtract_row_shifts(field, shifts);
    g_object_unref(shifts);
}

/* Each branch calls what Gwyddion 2.62 calls for the same operation (see README.md for the menu items). */
/* The paraboloid tip z = −r²/(2R) (apex 0 at the centre, Gwyddion's tip orientation) on the field's spacing. */
static GwyDataField*
paraboloid_tip(GwyDataField *field, gdouble radius, gint half)
{
    gint n = 2*half + 1, i, j;
    gdouble dx = gwy_data_field_get_dx(field), dy = gwy_data_field_get_dy(field);
    GwyDataField *tip = gwy_data_field_new(n, n, n*dx, n*dy, FALSE);
    gdouble *d = gwy_data_field_get_data(tip);

    for (i = 0; i < n; i++) {
        for (j = 0; j < n; j++) {
            gdouble x = (j - half)*dx, y = (i - half)*dy;
            d[i*n + j] = -(x*x + y*y)/(2.0*radius);
        }
    }
    return tip;
}

/* Tip operations whose result replaces the field (the estimate has the tip's size, not the field's). */
static GwyDataField*
apply_tip(GwyDataField *field, const Op *op)
{
    GwyDataField *tip, *result;
    gint count = 0;

    if (op->kind == OP_TIP_ESTIMATE) {
        gdouble dx = gwy_data_field_get_dx(field), dy = gwy_data_field_get_dy(field);
        tip = gwy_data_field_new(op->size, op->size, op->size*dx, op->size*dy, TRUE);
        gwy_tip_estimate_partial(tip, field, op->value, FALSE, &count, NULL, NULL);
        return tip;
    }
    tip = paraboloid_tip(field, op->value, op->size);
    result = gwy_data_field_new_alike(field, FALSE);
    if (op->kind == OP_TIP_DILATE)
        gwy_tip_dilation(tip, field, result, NULL, NULL);
    else
        gwy_tip_erosion(tip, field, result, NULL, NULL);
    g_object_unref(tip);
    return result;
}

/* Declared in app/data-browser.h and app/settings.h, which drag in GTK's headers; none of them needs a display. */
void gwy_app_data_browser_add(GwyContainer *data);
void gwy_app_data_browser_remove(GwyContainer *data);
void gwy_app_data_browser_select_data_field(GwyContainer *data, gint id);
void gwy_app_data_browser_set_gui_enabled(gboolean setting);
GwyContainer *gwy_app_settings_get(void);

/*
 * Data Process > Level > Frequency Split run non-interactively (GWY_RUN_IMMEDIATE) on the field, with its parameters
 * set in Gwyddion's settings as the dialog would store them: the cut-off, edge width 0 (an ideal step), boundary
 * Mirror, and the one output wanted. The module adds the result as a new channel of the container it runs on.
 */
static GwyDataField*
apply_freq_split(GwyDataField *field, const Op *op)
{
    GwyContainer *settings = gwy_app_settings_get(), *data = gwy_container_new();
    GwyDataField *result = NULL;

    gwy_container_set_double_by_name(settings, "/module/freq_split/cutoff", op->value);
    gwy_container_set_double_by_name(settings, "/module/freq_split/width", 0.0);
    gwy_container_set_enum_by_name(settings, "/module/freq_split/boundary", FSPLIT_BOUNDARY_MIRROR);
    gwy_container_set_enum_by_name(settings, "/module/freq_split/output", op->size);
    gwy_container_set_object_by_name(data, "/0/data", field);
    gwy_app_data_browser_add(data);
    gwy_app_data_browser_select_data_field(data, 0);
    gwy_process_func_run("freq_split", data, GWY_RUN_IMMEDIATE);
    if (gwy_container_gis_object_by_name(data, "/1/data", (GObject **)&result))
        result = gwy_data_field_duplicate(result);
    gwy_app_data_browser_remove(data);
    g_object_unref(data);
    return result;
}

static void
apply(GwyDataField *field, const Op *op)
{
    gdouble a, bx, by, *coeffs;

    switch (op->kind) {
    case OP_PLANE:
        gwy_data_field_fit_plane(field, &a, &bx, &by);
        gwy_data_field_plane_level(field, a, bx, by);
        break;
    case OP_PLANE_MODULE:
        /* Data Process > Level > Plane Level: only the slopes go, the offset is kept (modules/process/level.c). */
        gwy_data_field_fit_plane(field, &a, &bx, &by);
        a = -0.5*(bx*gwy_data_field_get_xres(field) + by*gwy_data_field_get_yres(field));
        gwy_data_field_plane_level(field, a, bx, by);
        break;
    case OP_POLY:
        coeffs = gwy_data_field_fit_polynom(field, op->xdeg, op->ydeg, NULL);
        gwy_data_field_subtract_polynom(field, op->xdeg, op->ydeg, coeffs);
        g_free(coeffs);
        break;
    case OP_ALIGN_MEDIAN:
        /* Align Rows, method Median: a trimmed mean with trim fraction 0.5 (modules/process/linematch.c). */
        subtract_row_shifts(field, gwy_data_field_find_row_shifts_trimmed_mean(field, NULL, GWY_MASK_IGNORE, 0.5, 0));
        break;
    case OP_ALIGN_MEAN:
        /* Align Rows, method Polynomial with degree 0: the untrimmed mean. */
        subtract_row_shifts(field, gwy_data_field_find_row_shifts_trimmed_mean(field, NULL, GWY_MASK_IGNORE, 0.0, 0));
        break;
    case OP_ALIGN_MEDIAN_DIFF:
        subtract_row_shifts(field, gwy_data_field_find_row_shifts_trimmed_diff(field, NULL, GWY_MASK_IGNORE, 0.5, 0));
        break;
    case OP_ALIGN_TRIMMED:
        subtract_row_shifts(field,
                            gwy_data_field_find_row_shifts_trimmed_mean(field, NULL, GWY_MASK_IGNORE, op->value, 0));
        break;
    case OP_GAUSS:
        gwy_data_field_filter_gaussian(field, op->value);
        break;
    case OP_MEDIAN:
        gwy_data_field_filter_median(field, op->size);
        break;
    case OP_TIP_DILATE:
    case OP_TIP_ERODE:
    case OP_TIP_ESTIMATE:
    case OP_FREQ_SPLIT:
        g_assert_not_reached();
        break;
    }
    gwy_data_field_invalidate(field);
}

static gdouble
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec*1e3 + ts.tv_nsec*1e-6;
}

static gint
compare_doubles(gconstpointer a, gconstpointer b)
{
    gdouble x = *(const gdouble *)a, y = *(const gdouble *)b;
    return (x > y) - (x < y);
}

static gint
process(const gchar *filename, const gchar *idstr, const gchar *opstr, const gchar *repeatstr, const gchar *outname)
{
    GwyContainer *data;
    GwyDataField *source, *work;
    const gchar *title;
    gdouble *times, ms;
    gchar *end;
    glong id, repeat;
    FILE *out;
    Op op;
    gint i;

    id = strtol(idstr, &end, 10);
    if (*end || id < 0 || id > G_MAXINT) {
        fprintf(stderr, "gwy-oracle: channel id '%s' is not a non-negative integer\n", idstr);
        return 2;
    }
    repeat = strtol(repeatstr, &end, 10);
    if (*end || repeat < 1 || repeat > MAX_REPEAT) {
        fprintf(stderr, "gwy-oracle: repeat '%s' is not between 1 and %d\n", repeatstr, MAX_REPEAT);
        return 2;
    }
    if (!parse_op(opstr, &op)) {
        fprintf(stderr, "gwy-oracle: unknown or bad operation '%s'\n", opstr);
        return 2;
    }
    if (!(data = load(filename)))
        return 1;
    if (!(source = channel(data, (gint)id, &title))) {
        fprintf(stderr, "gwy-oracle: %s has no channel %ld\n", filename, id);
        g_object_unref(data);
        return 1;
    }

    /* Each repetition starts from a fresh copy; only the operation itself is timed. */
    work = gwy_data_field_new_alike(source, FALSE);
    times = g_new(gdouble, repeat);
    for (i = 0; i < repeat; i++) {
        gdouble t0;
        gwy_data_field_copy(source, work, TRUE);
        t0 = now_ms();
        if (op.kind == OP_TIP_DILATE || op.kind == OP_TIP_ERODE || op.kind == OP_TIP_ESTIMATE || op.kind == OP_FREQ_SPLIT) {
            GwyDataField *result = op.kind == OP_FREQ_SPLIT ? apply_freq_split(work, &op) : apply_tip(work, &op);
            if (!result) {
                fprintf(stderr, "gwy-oracle: Gwyddion's %s produced no result\n", opstr);
                return 1;
            }
            times[i] = now_ms() - t0;
            g_object_unref(work);
            work = result;
            if (i + 1 < repeat) {
                g_object_unref(work);
                work = gwy_data_field_new_alike(source, FALSE);
            }
            continue;
        }
        apply(work, &op);
        times[i] = now_ms() - t0;
    }
    qsort(times, repeat, sizeof(gdouble), compare_doubles);
    ms = repeat % 2 ? times[repeat/2] : 0.5*(times[repeat/2 - 1] + times[repeat/2]);

    if (!(out = open_out(outname)))
        return 1;
    write_record(out, (gint)id, title, work, opstr, ms, (gint)repeat);
    g_free(times);
    g_object_unref(work);
    g_object_unref(data);
    return close_out(out) ? 1 : 0;
}

/* Declared in app/app.h, which drags in GTK's headers; the function itself needs no display. */
void gwy_app_init_nongui(const gchar *option, ...);

/* Gwyddion's batch-program initialiser: types, resources, settings and every module, with no GTK display. */
static void
register_modules(void)
{
    gwy_app_init_nongui(NULL);
    gwy_app_data_browser_set_gui_enabled(FALSE);
}

static gint
usage(void)
{
    fputs("usage: gwy-oracle dump FILE OUT\n"
          "       gwy-oracle process FILE CHANNEL-ID OP REPEAT OUT\n"
          "OP: plane | plane-module | poly:XDEG:YDEG | align-median | align-mean | align-median-diff\n"
          "    | align-trimmed:FRACTION | gauss:SIGMA_PX | median:SIZE_PX\n"
          "    | tip-dilate:R_M:HALF | tip-erode:R_M:HALF | tip-estimate:SIZE:THRESHOLD\n"
          "    | fft-low:CUTOFF | fft-high:CUTOFF (Frequency Split, CUTOFF in fractions of Nyquist, ≤ 0.3)\n"
          "Set GWY_ORACLE_THREADS=1 to let Gwyddion use OpenMP threads (single-threaded by default).\n", stderr);
    return 2;
}

int
main(int argc, char *argv[])
{
    const gchar *threads = g_getenv("GWY_ORACLE_THREADS");

    if (argc < 2)
        return usage();
    if (strcmp(argv[1], "dump") == 0 && argc == 4) {
        register_modules();
        return dump(argv[2], argv[3]);
    }
    if (strcmp(argv[1], "process") == 0 && argc == 7) {
        register_modules();
        gwy_threads_set_enabled(threads && strcmp(threads, "1") == 0);
        return process(argv[2], argv[3], argv[4], argv[5], argv[6]);
    }
    return usage();
}
