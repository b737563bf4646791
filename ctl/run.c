// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * One run of ikefwdctl (ctl_run() in ctl.h): build the request, ask the
 * server, show the answer. Every failure is exactly one line on errout,
 * so scripts can log it as it is.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include <jansson.h>

#include "commands.h"
#include "ctl.h"
#include "output.h"

static int fail(FILE *errout, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(FILE *errout, int status, const char *fmt, ...)
{
	va_list ap;

	fputs("ikefwdctl: ", errout);
	va_start(ap, fmt);
	vfprintf(errout, fmt, ap);
	va_end(ap);
	fputc('\n', errout);
	return status;
}

/* The body as it came, ending in a newline whatever the server sent. */
static void print_raw(const struct ctl_reply *r, FILE *out)
{
	fwrite(r->body, 1, r->len, out);
	if (r->len && r->body[r->len - 1] != '\n')
		fputc('\n', out);
}

static int show_answer(const struct ctl_opts *o, const struct ctl_reply *r,
		       FILE *out, FILE *errout)
{
	json_t *answer;
	int ret;

	if (!o->cmd->print || o->json) {
		print_raw(r, out);
		return CTL_EXIT_OK;
	}
	answer = json_loadb(r->body, r->len, 0, NULL);
	if (!answer)
		return fail(errout, CTL_EXIT_FAIL,
			    "%ld: the answer is not JSON (see it with --json)",
			    r->status);
	ret = o->cmd->print(answer, out);
	json_decref(answer);
	if (ret == -ENOMEM)
		return fail(errout, CTL_EXIT_FAIL, "out of memory");
	if (ret)
		return fail(errout, CTL_EXIT_FAIL,
			    "%ld: answer not understood (see it with --json)",
			    r->status);
	return CTL_EXIT_OK;
}

static int show_error(const struct ctl_opts *o, const struct ctl_target *t,
		      const struct ctl_reply *r, FILE *out, FILE *errout)
{
	char line[1024];
	json_t *body;

	/* Scripts get the error object too (a 409 names the owner). */
	if (o->json) {
		body = json_loadb(r->body, r->len, 0, NULL);
		if (body)
			print_raw(r, out);
		json_decref(body);
	}
	reply_error_line(r, line, sizeof(line));
	if (r->status == 401 && t->token_note[0])
		return fail(errout, CTL_EXIT_FAIL, "%s (no token sent: %s)",
			    line, t->token_note);
	return fail(errout, CTL_EXIT_FAIL, "%s", line);
}

int ctl_run(const struct ctl_opts *o, FILE *out, FILE *errout)
{
	struct ctl_request req;
	struct ctl_reply reply;
	struct ctl_target t;
	char err[1024] = "";
	int ret;

	if (!o->cmd->build) {
		ret = ctl_local_run(o, out, err, sizeof(err));
		if (ret == -EINVAL)
			return fail(errout, CTL_EXIT_USAGE, "%s", err);
		if (ret)
			return fail(errout, CTL_EXIT_FAIL, "%s",
				    err[0] ? err : strerror(-ret));
		return CTL_EXIT_OK;
	}
	ret = ctl_request_build(o, &req, err, sizeof(err));
	if (ret) {
		ctl_request_free(&req);
		if (ret == -EINVAL)
			return fail(errout, CTL_EXIT_USAGE, "%s", err);
		return fail(errout, CTL_EXIT_FAIL, "%s",
			    err[0] ? err : strerror(-ret));
	}
	ret = ctl_target_resolve(o, &t, err, sizeof(err));
	if (ret) {
		ctl_request_free(&req);
		return fail(errout, CTL_EXIT_FAIL, "%s", err);
	}

	ret = ctl_http_request(&t, req.method, req.path, req.body, &reply, err,
			       sizeof(err));
	ctl_request_free(&req);
	if (ret)
		ret = fail(errout, CTL_EXIT_FAIL, "%s: %s",
			   t.unix_socket[0] ? t.unix_socket : t.url, err);
	else if (reply.status >= 200 && reply.status <= 299)
		ret = show_answer(o, &reply, out, errout);
	else
		ret = show_error(o, &t, &reply, out, errout);
	ctl_reply_free(&reply);
	explicit_bzero(t.token, sizeof(t.token));
	return ret;
}
