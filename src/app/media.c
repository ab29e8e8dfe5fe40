/* media: API.md §3.2 — product media upload (multipart: file, is_primary) by staff or
 * the vendor who owns the product's store, deletion, and serving under /media/.
 * Form-encoded bodies are parsed too (DRF's MultiPartParser + FormParser): they can set
 * is_primary but never carry a file; JSON gets 415.
 *
 * Type: sniffed from the bytes with libmagic, never taken from the client's
 * Content-Type; the file name's extension must then match the sniffed type. One magic_t
 * per worker thread (libmagic handles are not thread-safe), opened on first use and
 * closed by a thread-exit destructor. Measured on this machine: magic_load of the
 * system database costs ~0.25 ms warm (~8 ms cold), a PNG/JPEG/WebP/MP4/WebM sniff
 * 0.03-0.7 ms, 10 MiB of random bytes ~1.5 ms with the text/compression/archive checks
 * switched off (they cannot produce an allowed type; with them on, 1 MiB of text costs
 * ~25 ms).
 *
 * Storage: MEDIA_ROOT/<uuid><ext>, written to a hidden temporary name, fsynced, renamed,
 * and the directory fsynced, before the row is inserted; a failed insert removes the
 * file. Serving only opens names of exactly that shape that have a row, with
 * O_NOFOLLOW, so no client text ever becomes a path. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <magic.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/app.h"
#include "app/media.h"
#include "app/handlers.h"
#include "app/perm.h"
#include "core/err.h"
#include "core/log.h"
#include "core/utctime.h"
#include "core/uuid.h"
#include "core/validate.h"
#include "db/db.h"
#include "http/body.h"
#include "http/multipart.h"
#include "http/response.h"
#include "http/router.h"
#include "store/media_store.h"

#define MEDIA_MAX_BYTES 10485760 /* 10 MB as the original counted it: 10 x 1024 x 1024 */
#define SNIFF_BYTES_MAX (1024 * 1024)
#define MAGIC_FLAGS                                                                                \
    (MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_NO_CHECK_TAR | MAGIC_NO_CHECK_ELF |         \
     MAGIC_NO_CHECK_CDF | MAGIC_NO_CHECK_ENCODING | MAGIC_NO_CHECK_TEXT | MAGIC_NO_CHECK_TOKENS |  \
     MAGIC_NO_CHECK_JSON | MAGIC_NO_CHECK_CSV)

#define MSG_UNSUPPORTED                                                                            \
    "Unsupported file type. Allowed types are: ['.jpg', '.png', '.webp', '.mp4', '.webm']"

struct media_kind {
    const char *mime;
    const char *ext;
    const char *file_type;
};

static const struct media_kind kinds[] = {
    {"image/jpeg", ".jpg", "image"},  {"image/png", ".png", "image"},
    {"image/webp", ".webp", "image"}, {"video/mp4", ".mp4", "video"},
    {"video/webm", ".webm", "video"},
};
#define NKINDS (sizeof kinds / sizeof kinds[0])

/* ---- sniffing ---- */

static pthread_key_t magic_key;
static pthread_once_t magic_once = PTHREAD_ONCE_INIT;
static int magic_key_rc = -1;

static void close_magic(void *m)
{
    magic_close(m);
}

static void make_magic_key(void)
{
    magic_key_rc = pthread_key_create(&magic_key, close_magic);
}

/* This thread's libmagic handle, loaded on first use; NULL when it cannot be loaded. */
static magic_t thread_magic(void)
{
    pthread_once(&magic_once, make_magic_key);
    if (magic_key_rc != 0)
        return NULL;
    magic_t m = pthread_getspecific(magic_key);
    if (m)
        return m;
    m = magic_open(MAGIC_FLAGS);
    if (!m)
        return NULL;
    size_t max = SNIFF_BYTES_MAX;
    if (magic_setparam(m, MAGIC_PARAM_BYTES_MAX, &max) != 0 || magic_load(m, NULL) != 0 ||
        pthread_setspecific(magic_key, m) != 0) {
        log_error("libmagic: %s", magic_error(m) ? magic_error(m) : "cannot load");
        magic_close(m);
        return NULL;
    }
    return m;
}

/* The allowed kind the bytes are, NULL for any other type. SHOP_EIO in *err when
 * libmagic is unusable. */
static const struct media_kind *sniff(struct slice data, int *err)
{
    magic_t m = thread_magic();
    *err = m ? 0 : SHOP_EIO;
    const char *mime = m ? magic_buffer(m, data.ptr, data.len) : NULL;
    for (size_t i = 0; mime && i < NKINDS; i++)
        if (strcmp(mime, kinds[i].mime) == 0)
            return &kinds[i];
    return NULL;
}

/* Python's os.path.splitext(name)[1] on the base name (after the last '/' or '\'):
 * from the last dot, unless that dot only has dots before it. */
static struct slice file_ext(struct slice name)
{
    size_t start = name.len;
    while (start > 0 && name.ptr[start - 1] != '/' && name.ptr[start - 1] != '\\')
        start--;
    size_t dot = name.len;
    while (dot > start && name.ptr[dot - 1] != '.')
        dot--;
    if (dot == start)
        return (struct slice){"", 0};
    for (size_t i = start; i < dot - 1; i++)
        if (name.ptr[i] != '.')
            return (struct slice){name.ptr + dot - 1, name.len - dot + 1};
    return (struct slice){"", 0};
}

/* ---- the upload's fields ---- */

struct upload {
    struct slice data;
    const struct media_kind *kind;
    bool is_primary;
};

/* DRF FileField and the original's validators, in order: presence, emptiness, size,
 * type, extension. Adds at most one message under "file". */
static int check_file(const struct multipart_part *f, json_t *errors, struct upload *u)
{
    if (!f || (f->has_filename && f->filename.len == 0))
        return verr_add(errors, "file", "No file was submitted.");
    if (!f->has_filename)
        return verr_add(errors, "file",
                        "The submitted data was not a file. Check the "
                        "encoding type on the form.");
    if (f->data.len == 0)
        return verr_add(errors, "file", "The submitted file is empty.");
    if (f->data.len > MEDIA_MAX_BYTES)
        return verr_add(errors, "file", "File size cannot exceed 10MB");
    int err;
    u->kind = sniff(f->data, &err);
    if (err)
        return err;
    if (!u->kind)
        return verr_add(errors, "file", MSG_UNSUPPORTED);
    struct slice ext = file_ext(f->filename);
    if (ext.len != strlen(u->kind->ext) || strncasecmp(ext.ptr, u->kind->ext, ext.len) != 0)
        return verr_addf(errors, "file",
                         "File extension does not match its content. "
                         "Expected %s for %s",
                         u->kind->ext, u->kind->mime);
    u->data = f->data;
    return 0;
}

/* BooleanField in a form: absent is false (DRF's default_empty_html). */
static int check_primary(const struct multipart_part *p, json_t *errors, struct upload *u)
{
    u->is_primary = false;
    if (!p)
        return 0;
    if (p->has_filename || coerce_bool_text(p->data.ptr, p->data.len, &u->is_primary) != 0)
        return verr_add(errors, "is_primary", "Must be a valid boolean.");
    return 0;
}

/* A form-encoded body (already parsed into req->data) as parts without file names:
 * it can carry is_primary, never a file. */
static void form_parts(struct request *req, struct multipart_part *parts, size_t *n)
{
    static const char *const names[] = {"file", "is_primary"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        json_t *v = json_object_get(req->data, names[i]);
        if (!json_is_string(v))
            continue;
        parts[*n] = (struct multipart_part){.name = slice_from_cstr(names[i]),
                                            .data = {json_string_value(v), json_string_length(v)}};
        (*n)++;
    }
}

/* The body's parts (an empty body has none): 0, or the status answered. */
static int parse_parts(struct request *req, struct multipart_part *parts, size_t *n)
{
    struct slice boundary;
    *n = 0;
    if (req->data) {
        form_parts(req, parts, n);
        return 0;
    }
    if (req->body.len == 0 || !req->content_type)
        return 0;
    int rc = multipart_boundary(req->content_type, &boundary);
    if (!rc)
        rc = multipart_parse(req->body, boundary, parts, MULTIPART_MAX_PARTS, n);
    if (rc == SHOP_ETOOBIG)
        return resp_detail(req, 400, "Multipart form parse error - Too many parts or headers.");
    if (rc)
        return resp_detail(req, 400, "Multipart form parse error - Invalid multipart body.");
    return 0;
}

/* ---- files ---- */

/* mkdir -p with 0755; an existing directory is fine. */
static int make_dirs(const char *dir)
{
    char path[PATH_MAX];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof path)
        return SHOP_EIO;
    memcpy(path, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        char c = path[i];
        path[i] = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST)
            return SHOP_EIO;
        path[i] = c;
    }
    return 0;
}

static int write_all(int fd, struct slice data)
{
    size_t off = 0;
    while (off < data.len) {
        ssize_t w = write(fd, data.ptr + off, data.len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return SHOP_EIO;
        off += (size_t)w;
    }
    return 0;
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return SHOP_EIO;
    int rc = fsync(fd) == 0 ? 0 : SHOP_EIO;
    close(fd);
    return rc;
}

/* Writes data durably as dir/name: temporary file, fsync, rename, directory fsync. */
static int store_file(struct request *req, const char *dir, const char *name, struct slice data)
{
    char *tmp = arena_printf(req->arena, "%s/.%s.tmp", dir, name);
    char *final = arena_printf(req->arena, "%s/%s", dir, name);
    if (!tmp || !final)
        return SHOP_ENOMEM;
    if (make_dirs(dir) != 0)
        return SHOP_EIO;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        return SHOP_EIO;
    int rc = write_all(fd, data);
    if (!rc && fsync(fd) != 0)
        rc = SHOP_EIO;
    if (close(fd) != 0 && !rc)
        rc = SHOP_EIO;
    if (!rc && rename(tmp, final) != 0)
        rc = SHOP_EIO;
    if (rc) {
        unlink(tmp);
        return rc;
    }
    return fsync_dir(dir);
}

static void remove_file(struct request *req, const char *name)
{
    char *path = arena_printf(req->arena, "%s/%s", req->cfg->media_root, name);
    if (path && unlink(path) != 0 && errno != ENOENT)
        log_warn("media: cannot remove %s", name);
}

/* ---- rendering ---- */

/* Bytes as MB with two decimals, as Python's round(size / 1048576, 2) gives them
 * (the quotient is exact in binary, so exact ties go to the even digit). */
static double size_mb(int64_t bytes)
{
    int64_t scaled = bytes * 100, q = scaled / 1048576, r = scaled % 1048576;
    if (r * 2 > 1048576 || (r * 2 == 1048576 && (q & 1)))
        q++;
    return (double)q / 100.0;
}

void media_write_object(struct json_w *w, const char *base, const struct media *m)
{
    if (!base)
        w->b->err = SHOP_ENOMEM; /* fail the answer rather than write a wrong url */
    json_obj_begin(w);
    json_key_int(w, "id", m->id);
    json_key(w, "file");
    json_str_parts(w, (const char *const[]){base, "/media/", m->file}, 3);
    json_key_bool(w, "is_primary", m->is_primary);
    json_key(w, "file_size");
    json_double(w, size_mb(m->file_size), 2);
    json_key_str(w, "file_type", m->file_type);
    json_obj_end(w);
}

static int answer_media(struct request *req, int status, const struct media *m)
{
    struct json_w w;
    resp_json_begin(req, status, &w);
    media_write_object(&w, req_base_url(req), m);
    return status;
}

/* ---- permissions ---- */

/* Staff, or the vendor whose active store sells the active product of the path:
 * 0, or the status answered (403 for customers who are neither, 404 for a product
 * that is not active). */
static int check_product_writer(struct request *req, struct db **db, int64_t *product_id)
{
    *db = app_db(req);
    if (!*db)
        return resp_from_err(req, SHOP_EDB);
    *product_id = router_param_id(req->params[0]);
    int64_t owner = 0;
    int rc = media_product_owner(*db, *product_id, &owner);
    if (rc == SHOP_ENOTFOUND)
        return resp_not_found(req);
    if (rc)
        return resp_from_err(req, rc);
    return perm_staff_or_vendor_of(req, owner);
}

/* is_vendor is read from the customer row at authentication and kept in step with
 * store ownership by stores_store. */
static int vendor_or_staff(struct request *req)
{
    return perm_staff_or_vendor(req, req->user && req->user->is_vendor);
}

/* ---- POST /api/v1/products/{id}/media/ ---- */

struct media_ctx {
    struct media *m;
    int64_t now;
};

static int insert_tx(struct db *db, void *ctx)
{
    struct media_ctx *c = ctx;
    int rc = media_lock_product(db, c->m->product_id);
    return rc ? rc : media_insert(db, c->m, c->now);
}

/* Validates the parts into u: 0, or the status answered (400). */
static int read_upload(struct request *req, const struct multipart_part *parts, size_t n,
                       struct upload *u)
{
    json_t *errors = req_errors_new(req);
    if (!errors)
        return resp_from_err(req, SHOP_ENOMEM);
    int rc = check_file(multipart_find(parts, n, "file"), errors, u);
    if (!rc)
        rc = check_primary(multipart_find(parts, n, "is_primary"), errors, u);
    if (rc && rc != SHOP_EINVAL)
        return resp_from_err(req, rc);
    return json_object_size(errors) ? resp_errors(req, 400, errors) : 0;
}

/* Stores the file and its row; the file is removed again when the row is not written. */
static int save_upload(struct request *req, struct db *db, struct media *m, const struct upload *u)
{
    char id[UUID_STR_LEN + 1];
    if (uuid_v4(id) != 0)
        return SHOP_EIO;
    m->file = arena_printf(req->arena, "%s%s", id, u->kind->ext);
    m->content_type = u->kind->mime;
    m->file_type = u->kind->file_type;
    m->file_size = (int64_t)u->data.len;
    m->is_primary = u->is_primary;
    if (!m->file)
        return SHOP_ENOMEM;
    int rc = store_file(req, req->cfg->media_root, m->file, u->data);
    if (rc) {
        log_error("media: cannot store %s under MEDIA_ROOT (errno %d)", m->file, errno);
        return rc;
    }
    struct media_ctx c = {m, utc_now_us()};
    rc = db_tx(db, insert_tx, &c);
    if (rc)
        remove_file(req, m->file);
    return rc;
}

int media_upload(struct request *req)
{
    struct multipart_part parts[MULTIPART_MAX_PARTS];
    size_t n = 0;
    struct db *db = NULL;
    struct media m = {0};
    struct upload u = {0};
    int st = vendor_or_staff(req);
    if (!st)
        st = parse_parts(req, parts, &n);
    if (!st)
        st = check_product_writer(req, &db, &m.product_id);
    if (!st)
        st = read_upload(req, parts, n, &u);
    if (st)
        return st;
    int rc = save_upload(req, db, &m, &u);
    if (rc == SHOP_ENOTFOUND)
        return resp_not_found(req);
    return rc ? resp_from_err(req, rc) : answer_media(req, 201, &m);
}

/* ---- DELETE /api/v1/products/{id}/media/{id}/ ---- */

static int delete_tx(struct db *db, void *ctx)
{
    struct media_ctx *c = ctx;
    int rc = media_lock_product(db, c->m->product_id);
    return rc ? rc : media_delete(db, c->m->id);
}

int media_destroy(struct request *req)
{
    struct db *db = NULL;
    struct media m;
    int64_t product_id = 0;
    int st = vendor_or_staff(req);
    if (!st)
        st = check_product_writer(req, &db, &product_id);
    if (st)
        return st;
    int rc = media_get(db, req->arena, product_id, router_param_id(req->params[1]), &m);
    struct media_ctx c = {&m, utc_now_us()};
    if (!rc)
        rc = db_tx(db, delete_tx, &c);
    if (rc == SHOP_ENOTFOUND)
        return resp_not_found(req);
    if (rc)
        return resp_from_err(req, rc);
    remove_file(req, m.file);
    return resp_empty(req, 204);
}

/* ---- GET /media/{file} ---- */

/* Exactly "<lowercase uuid><allowed ext>", the only names uploads create. */
static bool stored_name_ok(struct slice s)
{
    if (s.len <= UUID_STR_LEN || !uuid_is_canonical(s.ptr, UUID_STR_LEN))
        return false;
    for (size_t i = 0; i < UUID_STR_LEN; i++)
        if (s.ptr[i] >= 'A' && s.ptr[i] <= 'F')
            return false;
    struct slice ext = {s.ptr + UUID_STR_LEN, s.len - UUID_STR_LEN};
    for (size_t i = 0; i < NKINDS; i++)
        if (slice_eq_cstr(ext, kinds[i].ext))
            return true;
    return false;
}

/* Opens a regular file without following links: the fd and its size, or -1. */
static int open_regular(const char *path, uint64_t *size)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat sb;
    if (fd < 0)
        return -1;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return -1;
    }
    *size = (uint64_t)sb.st_size;
    return fd;
}

int media_serve(struct request *req)
{
    struct db *db = app_db(req);
    if (!db)
        return resp_from_err(req, SHOP_EDB);
    if (!stored_name_ok(req->params[0]))
        return resp_not_found(req);
    const char *name = arena_slice_dup(req->arena, req->params[0]);
    const char *ct = NULL;
    int rc = name ? media_content_type_of(db, req->arena, name, &ct) : SHOP_ENOMEM;
    if (rc == SHOP_ENOTFOUND)
        return resp_not_found(req);
    if (rc)
        return resp_from_err(req, rc);
    char *path = arena_printf(req->arena, "%s/%s", req->cfg->media_root, name);
    uint64_t size = 0;
    int fd = path ? open_regular(path, &size) : -1;
    if (fd < 0)
        return resp_not_found(req);
    resp_empty(req, 200);
    req->resp.content_type = ct;
    req->resp.file_fd = fd;
    req->resp.file_size = size;
    return 200;
}
