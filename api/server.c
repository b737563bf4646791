// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The HTTP side: libmicrohttpd with a thread per connection (a client
 * that stalls holds only its own thread, and a slow table walk delays
 * only its own client), bounded in connections, idle time, request head
 * and body size. Each request is checked in the order of docs/api.md
 * (route, token, size, media type, arguments) and refused as early as
 * possible: before its body is read when the head already says no.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <microhttpd.h>

#include "api.h"
#include "auth.h"
#include "handlers.h"
#include "log.h"
#include "request.h"
#include "resp.h"
#include "table.h"

/* The request line and headers must fit in this (MHD answers 414 or 431
 * beyond); the body is accumulated separately, up to API_BODY_MAX. */
#define API_CONN_MEMORY (32 * 1024)
/* A body past API_BODY_MAX is read and dropped until its end, to answer
 * 413 (MHD cannot answer in the middle of an upload); one that goes on
 * past this is cut off instead. */
#define API_DISCARD_MAX (1024 * 1024)
#define API_TLS_FILE_MAX (1024 * 1024)

struct listener {
	struct api_server *srv;
	struct MHD_Daemon *mhd;
	bool trusted; /* the unix socket: no token asked */
};

struct api_server {
	struct api_state st;
	struct api_auth auth;
	struct listener tcp;
	struct listener local;
	uint16_t port;
	char unix_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *tls_key; /* PEM, kept for MHD's lifetime */
	char *tls_cert;
	bool lock_ready;
};

/* One request, from its request line to its completion. */
struct request {
	char *uri; /* raw: path and query string */
	enum api_op op;
	bool routed;
	bool started; /* the head was checked */
	bool answered; /* a response is queued */
	bool too_big;
	char *body;
	size_t len;
	size_t cap;
	uint64_t dropped;
};

static void on_log(void *cls, const char *fmt, va_list ap)
{
	char msg[256];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	pr_debug("ikefwdd: http: %s%s", msg,
		 msg[0] && msg[strlen(msg) - 1] == '\n' ? "" : "\n");
}

/* MHD calls this with the raw request target, before it splits and
 * decodes it: the query string is parsed by request.h, the code the
 * fuzzer runs, not by MHD. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct request *rq = calloc(1, sizeof(*rq));

	if (!rq)
		return NULL;
	rq->uri = strdup(uri);
	if (!rq->uri) {
		free(rq);
		return NULL;
	}
	return rq;
}

static void on_done(void *cls, struct MHD_Connection *conn, void **con_cls,
		    enum MHD_RequestTerminationCode toe)
{
	struct request *rq = *con_cls;

	if (!rq)
		return;
	free(rq->uri);
	free(rq->body);
	free(rq);
	*con_cls = NULL;
}

static const char *header(struct MHD_Connection *conn, const char *name)
{
	return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
}

static enum MHD_Result send_resp(struct MHD_Connection *conn,
				 struct request *rq, const char *method,
				 struct api_resp *r)
{
	struct MHD_Response *m;
	enum MHD_Result ret;
	size_t len;
	char *body;

	rq->answered = true;
	pr_debug("ikefwdd: api: %s %s: %d\n", method,
		 rq->routed ? api_op_path(rq->op) : "(no endpoint)", r->status);
	body = resp_serialize(r, &len);
	if (!body) {
		resp_free(r);
		return MHD_NO;
	}
	m = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!m) {
		free(body);
		resp_free(r);
		return MHD_NO;
	}
	MHD_add_response_header(m, MHD_HTTP_HEADER_CONTENT_TYPE,
				r->content_type ? r->content_type : API_JSON);
	MHD_add_response_header(m, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (r->allow[0])
		MHD_add_response_header(m, MHD_HTTP_HEADER_ALLOW, r->allow);
	if (r->www_authenticate)
		MHD_add_response_header(m, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
					r->www_authenticate);
	ret = MHD_queue_response(conn, r->status, m);
	MHD_destroy_response(m);
	resp_free(r);
	return ret;
}

/* What the head alone decides: 404, 405, 414, 401, 400 (a body where none
 * goes), 413, 415. 0 to go on and read the body. */
static int check_head(struct listener *l, struct MHD_Connection *conn,
		      struct request *rq, const char *method,
		      struct api_resp *r)
{
	const char *length = header(conn, MHD_HTTP_HEADER_CONTENT_LENGTH);
	const char *te = header(conn, MHD_HTTP_HEADER_TRANSFER_ENCODING);
	uint64_t declared = length ? strtoull(length, NULL, 10) : 0;
	bool chunked = te && strcasestr(te, "chunked");
	enum api_auth_result auth;
	struct api_error err;

	if (api_route(method, rq->uri, &rq->op, &err)) {
		resp_from_error(r, &err);
		return -1;
	}
	rq->routed = true;
	auth = api_auth_check(&l->srv->auth, rq->op, l->trusted,
			      header(conn, MHD_HTTP_HEADER_AUTHORIZATION));
	if (auth != API_AUTH_OK) {
		/* RFC 6750 section 3: the challenge, and for a token that
		 * was given but is wrong, why. */
		r->www_authenticate =
			auth == API_AUTH_INVALID ?
				"Bearer realm=\"ikefwd\", error=\"invalid_token\"" :
				"Bearer realm=\"ikefwd\"";
		return resp_error(r, 401,
				  auth == API_AUTH_INVALID ?
					  "wrong bearer token" :
					  "this request needs Authorization: "
					  "Bearer <token>");
	}
	if (api_check_head(rq->op, header(conn, MHD_HTTP_HEADER_CONTENT_TYPE),
			   declared > 0 || chunked, declared, &err)) {
		resp_from_error(r, &err);
		return -1;
	}
	return 0;
}

/* Keeps up to API_BODY_MAX bytes; counts the rest, to drop it. */
static void take_body(struct request *rq, const char *data, size_t n)
{
	if (rq->too_big || n > API_BODY_MAX - rq->len) {
		rq->too_big = true;
		rq->dropped += n;
		return;
	}
	if (rq->len + n > rq->cap) {
		size_t cap = rq->cap ? rq->cap : 1024;
		char *body;

		while (cap < rq->len + n)
			cap *= 2;
		if (cap > API_BODY_MAX)
			cap = API_BODY_MAX;
		body = realloc(rq->body, cap);
		if (!body) {
			/* Answered as too big: the same "cannot take it". */
			rq->too_big = true;
			return;
		}
		rq->body = body;
		rq->cap = cap;
	}
	memcpy(rq->body + rq->len, data, n);
	rq->len += n;
}

static enum MHD_Result serve(struct listener *l, struct MHD_Connection *conn,
			     struct request *rq, const char *method)
{
	struct api_resp r = {};
	struct api_error err;
	struct api_call *call;
	struct api_req req = {
		.method = method,
		.uri = rq->uri,
		.content_type = header(conn, MHD_HTTP_HEADER_CONTENT_TYPE),
		.body = rq->len ? rq->body : "",
		.body_len = rq->len,
	};

	if (rq->too_big) {
		resp_error(&r, 413, "request body over %d bytes", API_BODY_MAX);
		return send_resp(conn, rq, method, &r);
	}
	/* On the heap: the arguments hold a whole frame. */
	call = malloc(sizeof(*call));
	if (!call) {
		resp_error(&r, 500, "out of memory");
		return send_resp(conn, rq, method, &r);
	}
	if (api_parse(&req, call, &err))
		resp_from_error(&r, &err);
	else
		api_dispatch(&l->srv->st, call, &r);
	free(call);
	return send_resp(conn, rq, method, &r);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct listener *l = cls;
	struct request *rq = *con_cls;
	struct api_resp r = {};

	if (!rq)
		return MHD_NO; /* on_uri ran out of memory: close */
	if (rq->answered) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (!rq->started) {
		rq->started = true;
		if (check_head(l, conn, rq, method, &r))
			return send_resp(conn, rq, method, &r);
		return MHD_YES;
	}
	if (*upload_data_size) {
		take_body(rq, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return rq->dropped > API_DISCARD_MAX ? MHD_NO : MHD_YES;
	}
	return serve(l, conn, rq, method);
}

static int listen_tcp(const struct ikefwd_addr_cfg *addr, uint16_t port,
		      uint16_t *bound, char *err, size_t errlen)
{
	static const uint8_t loopback[16] = {
		[10] = 0xff, [11] = 0xff, [12] = 127, [15] = 1
	};
	const uint8_t *a = addr->family ? addr->addr : loopback;
	int family = addr->family ? addr->family : AF_INET, fd, one = 1, ret;
	struct sockaddr_storage ss = {};
	socklen_t len;

	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, a + 12, 4);
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, a, 16);
		len = sizeof(*sin6);
	}
	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "API socket: %s", strerror(errno));
		return ret;
	}
	/* A restarted daemon binds again at once, TIME_WAIT or not. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 64) ||
	    getsockname(fd, (struct sockaddr *)&ss, &len)) {
		ret = -errno;
		snprintf(err, errlen, "API on %s port %u: %s",
			 addr->family ? addr->text : "127.0.0.1", port,
			 strerror(errno));
		close(fd);
		return ret;
	}
	*bound = ntohs(family == AF_INET ?
			       ((struct sockaddr_in *)&ss)->sin_port :
			       ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

static int listen_unix(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, ret;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "%s: path too long for a unix socket",
			 path);
		return -ENAMETOOLONG;
	}
	strcpy(sun.sun_path, path);
	/* A socket file left by an earlier run is replaced; one that still
	 * answers belongs to a running daemon, and anything else at the
	 * path is not ours to remove. */
	if (!lstat(path, &st)) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(
				err, errlen,
				"%s: exists and is not a socket: not replacing "
				"it",
				path);
			return -EEXIST;
		}
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 &&
		    !connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
			snprintf(err, errlen,
				 "%s: another server answers there", path);
			close(fd);
			return -EADDRINUSE;
		}
		if (fd >= 0)
			close(fd);
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return ret;
	}
	/* Linux creates the socket file with the socket's own mode (less
	 * the umask): set before bind, it is never open to others. */
	if (fchmod(fd, 0600) ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) || listen(fd, 64)) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return ret;
	}
	return fd;
}

/* fd becomes MHD's: it closes it when stopped. */
static int start_mhd(struct listener *l, int fd, const struct api_opts *o,
		     bool tls, char *err, size_t errlen)
{
	struct api_server *s = l->srv;
	struct MHD_OptionItem tls_opts[] = {
		{ MHD_OPTION_HTTPS_MEM_KEY, 0, s->tls_key },
		{ MHD_OPTION_HTTPS_MEM_CERT, 0, s->tls_cert },
		{ MHD_OPTION_END, 0, NULL },
	};
	struct MHD_OptionItem none[] = { { MHD_OPTION_END, 0, NULL } };
	unsigned int flags = MHD_USE_THREAD_PER_CONNECTION |
			     MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
			     MHD_USE_ERROR_LOG | (tls ? MHD_USE_TLS : 0);

	/* The logger first, so that MHD's own messages about the other
	 * options go through it too. */
	l->mhd = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, l, MHD_OPTION_EXTERNAL_LOGGER,
		on_log, l, MHD_OPTION_LISTEN_SOCKET, fd,
		MHD_OPTION_CONNECTION_LIMIT, o->conn_limit ?: API_CONN_LIMIT,
		MHD_OPTION_CONNECTION_TIMEOUT,
		o->conn_timeout_s ?: API_CONN_TIMEOUT_S,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)API_CONN_MEMORY,
		MHD_OPTION_URI_LOG_CALLBACK, on_uri, l,
		MHD_OPTION_NOTIFY_COMPLETED, on_done, l, MHD_OPTION_ARRAY,
		tls ? tls_opts : none, MHD_OPTION_END);
	if (!l->mhd) {
		/* Whether MHD closed fd on the way out depends on where it
		 * failed: leave it rather than risk closing a reused number
		 * (the daemon exits on this error anyway). */
		snprintf(err, errlen,
			 "the HTTP server did not start (run with -v for "
			 "libmicrohttpd's reason)");
		return -EIO;
	}
	return 0;
}

/* A PEM file into a NUL-terminated string. */
static int read_pem(const char *path, char **out, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int ret = 0;

	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return ret;
	}
	buf = malloc(API_TLS_FILE_MAX + 1);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	len = fread(buf, 1, API_TLS_FILE_MAX + 1, f);
	if (ferror(f) || len > API_TLS_FILE_MAX || len == 0) {
		ret = ferror(f) ? -EIO : -EINVAL;
		snprintf(err, errlen, "%s: %s", path,
			 ferror(f) ? "read error" :
			 len	   ? "larger than 1 MiB" :
				     "empty");
		goto out;
	}
	buf[len] = '\0';
	*out = buf;
	buf = NULL;
out:
	free(buf);
	fclose(f);
	return ret;
}

static int tls_load(struct api_server *s, const struct ikefwd_api_cfg *cfg,
		    char *err, size_t errlen)
{
	int ret;

	if (!cfg->tls_cert[0] && !cfg->tls_key[0])
		return 0;
	if (!cfg->tls_cert[0] || !cfg->tls_key[0]) {
		snprintf(err, errlen, "TLS needs both tls_cert and tls_key");
		return -EINVAL;
	}
	if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		snprintf(err, errlen,
			 "this libmicrohttpd was built without TLS support");
		return -EOPNOTSUPP;
	}
	ret = read_pem(cfg->tls_key, &s->tls_key, err, errlen);
	if (!ret)
		ret = read_pem(cfg->tls_cert, &s->tls_cert, err, errlen);
	return ret;
}

int api_start(const struct api_opts *o, struct api_server **out, char *err,
	      size_t errlen)
{
	const struct ikefwd_api_cfg *cfg = o->cfg;
	struct api_server *s;
	int fd, ret;

	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	s->tcp.srv = s->local.srv = s;
	s->local.trusted = true;
	snprintf(s->st.pin_root, sizeof(s->st.pin_root), "%s", o->pin_root);
	s->st.started_ns = ikefwd_now_ns();
	s->st.changed = o->changed;
	s->st.changed_ctx = o->changed_ctx;
	s->st.sa_changed = o->sa_changed;
	s->st.ts_changed = o->ts_changed;
	s->st.ike_unregistered = o->ike_unregistered;
	s->st.sync_counters = o->sync_counters;
	s->st.sync_ctx = o->sync_ctx;
	s->st.ha_status = o->ha_status;
	s->st.ha_lock = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
	ret = -pthread_mutex_init(&s->st.packet_lock, NULL);
	if (ret) {
		snprintf(err, errlen, "mutex: %s", strerror(-ret));
		goto fail;
	}
	s->lock_ready = true;

	ret = api_auth_load(&s->auth, cfg->token_file, cfg->auth_reads, err,
			    errlen);
	if (ret)
		goto fail;
	ret = tls_load(s, cfg, err, errlen);
	if (ret)
		goto fail;

	fd = listen_tcp(&cfg->listen, cfg->port, &s->port, err, errlen);
	if (fd < 0) {
		ret = fd;
		goto fail;
	}
	ret = start_mhd(&s->tcp, fd, o, s->tls_key, err, errlen);
	if (ret)
		goto fail;

	if (cfg->unix_socket[0]) {
		fd = listen_unix(cfg->unix_socket, err, errlen);
		if (fd < 0) {
			ret = fd;
			goto fail;
		}
		snprintf(s->unix_path, sizeof(s->unix_path), "%s",
			 cfg->unix_socket);
		ret = start_mhd(&s->local, fd, o, false, err, errlen);
		if (ret)
			goto fail;
	}
	*out = s;
	return 0;
fail:
	api_stop(s);
	return ret;
}

uint16_t api_port(const struct api_server *s)
{
	return s->port;
}

static void secret_free(char *p)
{
	if (p)
		explicit_bzero(p, strlen(p));
	free(p);
}

void api_stop(struct api_server *s)
{
	if (!s)
		return;
	if (s->tcp.mhd)
		MHD_stop_daemon(s->tcp.mhd);
	if (s->local.mhd)
		MHD_stop_daemon(s->local.mhd);
	if (s->unix_path[0])
		unlink(s->unix_path);
	if (s->lock_ready)
		pthread_mutex_destroy(&s->st.packet_lock);
	secret_free(s->tls_key);
	free(s->tls_cert);
	explicit_bzero(&s->auth, sizeof(s->auth));
	free(s);
}
