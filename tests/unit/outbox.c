/*
 * outbox.c: unit tests for libcommon/outbox.c.  A message's life: put
 * (name shape, mode 0600, directory 0700, the JSON written), scan
 * (sorted, dot-names and subdirectories skipped, a missing outbox is
 * empty), claim (a second claim of the same name and two racing
 * processes: exactly one wins each message), read, done (sent/); fail
 * with retry (back in outbox/, attempts and error, unknown keys kept)
 * and without (failed/); recover; bad targets and texts; malformed
 * files (read says so naming the file, fail moves them to failed/
 * wrapped, never retried); and no dot-file left anywhere.
 * Files: HERMES_HOME is a mkdtemp directory, removed at the end.
 */
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <ftw.h>

#include "common.h"
#include "atomic.h"
#include "outbox.h"
#include "path.h"
#include "watch.h"
#include "tap.h"

static char home[] = "/tmp/hermes-unit-outbox.XXXXXX";

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
mode_of(const char *path)
{
	struct stat st;

	return lstat(path, &st) < 0 ? -1 : (int)(st.st_mode & 07777);
}

/* outbox/SUB/NAME (sub NULL: outbox/NAME), malloc'd. */
static char *
box(const char *sub, const char *name)
{
	struct buf b = BUF_INIT;
	char *dir = outbox_dir(sub);

	buf_addf(&b, "%s/%s", dir, name);
	free(dir);
	return buf_detach(&b);
}

static int
exists_in(const char *sub, const char *name)
{
	char *p = box(sub, name);
	struct stat st;
	int rc = lstat(p, &st) == 0;

	free(p);
	return rc;
}

/* Messages (non-dot regular files) in outbox/SUB. */
static long
count_in(const char *sub)
{
	char *dir = outbox_dir(sub);
	struct dirent *de;
	long n = 0;
	DIR *d = opendir(dir);

	free(dir);
	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && de->d_type == DT_REG)
			n++;
	closedir(d);
	return n;
}

static char *
slurp(const char *path)
{
	struct buf b = BUF_INIT;

	buf_read_file(&b, path);
	buf_rtrim(&b);
	return buf_detach(&b);
}

static void
drop(const char *name, const char *data)
{
	char *p = box(NULL, name);

	if (atomic_write(p, data, strlen(data), 0600, NULL) < 0)
		printf("# cannot write %s\n", p);
	free(p);
}

/* Walk the outbox: dot-names left (*dots) and modes other than 0600
 * for files and 0700 for directories (*modes). */
static int dots, modes;

static int
check_one(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	const char *base = path + ftw->base;

	(void)flag;
	if (base[0] == '.')
		dots++;
	if (S_ISDIR(st->st_mode) ? (st->st_mode & 07777) != 0700 :
	    (st->st_mode & 07777) != 0600) {
		printf("# mode %o: %s\n", st->st_mode & 07777, path);
		modes++;
	}
	return 0;
}

static void
test_targets(void)
{
	static const char *const bad[] = { "", "telegram", "Telegram:1",
	    ":1", "telegram:", "telegram::5", "telegram:1:", "tele gram:1",
	    "telegram:1\n2", "telegram:12\t", "t3legram:1",
	    "abcdefghijklmnopqrstuvwxyzabcdefg:1", NULL };
	struct outbox_msg m;
	struct buf err = BUF_INIT;
	char *name = NULL;
	size_t i;

	for (i = 0; bad[i]; i++) {
		is_int(outbox_put(bad[i], "hi", "cli", &name, &err),
		    -HM_EINVAL, "bad target %zu refused", i);
		ok(strstr(buf_str(&err), "target") && !strchr(buf_str(&err),
		    '\n'), "one line naming the target: %s", buf_str(&err));
		ok(name == NULL, "no name for a refused message");
	}
	ok(strstr(buf_str(&err), "'abcdefghij") != NULL,
	    "the error quotes the target");
	is_int(outbox_put("telegram:1", "", "cli", NULL, &err), -HM_EINVAL,
	    "empty text refused");
	is_int(outbox_put("telegram:1", "a\xff" "b", "cli", NULL, &err),
	    -HM_EINVAL, "text that is not UTF-8 refused");
	is_int(count_in(NULL), 0, "nothing written for refused messages");

	is_int(outbox_parse_target("telegram:-100123:77", &m, &err), 0,
	    "a target with a thread");
	is_str(m.platform, "telegram", "platform");
	is_str(m.chat, "-100123", "chat");
	is_str(m.thread, "77", "thread");
	is_str(m.target, "telegram:-100123:77", "target kept");
	outbox_msg_release(&m);
	is_int(outbox_parse_target("slack:#general", &m, &err), 0,
	    "a target without a thread");
	is_str(m.chat, "#general", "chat with '#'");
	ok(m.thread == NULL, "no thread");
	outbox_msg_release(&m);
	is_int(outbox_parse_target("matrix:room:a:b", &m, &err), 0,
	    "a thread may hold ':'");
	is_str(m.thread, "a:b", "thread is the rest");
	outbox_msg_release(&m);
	buf_release(&err);
}

static void
test_life(void)
{
	struct buf err = BUF_INIT;
	struct outbox_msg m;
	char *n1 = NULL, *n2 = NULL, *n3 = NULL, **names = NULL, *path = NULL;
	char *p, *s;
	size_t n = 99;

	is_int(outbox_scan(&names, &n, &err), 0, "scan without an outbox");
	is_int(n, 0, "nothing to deliver");
	is_int(outbox_put("telegram:12345", "first \"quoted\"\nline",
	    "cron:c_1a2b3c4d", &n1, &err), 0, "put");
	ok(n1 && strlen(n1) > 30 && !strcmp(n1 + strlen(n1) - 5, ".json") &&
	    n1[8] == 'T' && n1[15] == '_', "name STAMP.PID.RANDOM.json: %s",
	    n1 ? n1 : "(null)");
	is_int(outbox_put("telegram:12345:9", "second", NULL, &n2, &err), 0,
	    "put without a source");
	is_int(outbox_put("slack:C1", "third", "cli", &n3, &err), 0,
	    "put a third");
	ok(strcmp(n1, n2) < 0 && strcmp(n2, n3) < 0, "names sort by time");
	p = box(NULL, n1);
	is_int(mode_of(p), 0600, "file mode 0600");
	s = slurp(p);
	ok(strstr(s, "\"target\":\"telegram:12345\"") &&
	    strstr(s, "\"text\":\"first \\\"quoted\\\"\\nline\"") &&
	    strstr(s, "\"source\":\"cron:c_1a2b3c4d\"") &&
	    strstr(s, "\"created\":\"20"), "the JSON written: %s", s);
	free(s);
	free(p);
	p = outbox_dir(NULL);
	is_int(mode_of(p), 0700, "outbox/ mode 0700");
	free(p);

	is_int(outbox_scan(&names, &n, &err), 0, "scan");
	is_int(n, 3, "three waiting");
	if (n == 3) {
		is_str(names[0], n1, "first in order");
		is_str(names[2], n3, "third in order");
	}
	outbox_names_free(names, n);

	is_int(outbox_claim(n1, &path, &err), 0, "claim");
	p = box("cur", n1);
	is_str(path, p, "claimed into cur/");
	free(p);
	ok(!exists_in(NULL, n1), "gone from outbox/");
	is_int(outbox_claim(n1, &p, &err), -HM_ENOTFOUND,
	    "a second claim finds it gone");
	ok(strstr(buf_str(&err), n1) != NULL, "naming it: %s",
	    buf_str(&err));
	is_int(outbox_read(path, &m, &err), 0, "read");
	is_str(m.target, "telegram:12345", "target");
	is_str(m.platform, "telegram", "platform");
	is_str(m.chat, "12345", "chat");
	ok(m.thread == NULL, "no thread");
	is_str(m.text, "first \"quoted\"\nline", "text");
	is_str(m.source, "cron:c_1a2b3c4d", "source");
	ok(m.created && strlen(m.created) == 20 && m.created[10] == 'T' &&
	    m.created[19] == 'Z', "created is ISO 8601 UTC: %s",
	    m.created ? m.created : "(null)");
	is_int(m.attempts, 0, "no attempts yet");
	ok(m.error == NULL, "no error yet");
	outbox_msg_release(&m);
	is_int(outbox_done(path, &err), 0, "done");
	ok(exists_in("sent", n1) && !exists_in("cur", n1), "moved to sent/");
	is_int(outbox_done(path, &err), -HM_ENOTFOUND, "done twice: gone");
	free(path);

	is_int(outbox_claim(n2, &path, &err), 0, "claim the second");
	is_int(outbox_read(path, &m, &err), 0, "read it");
	is_str(m.thread, "9", "its thread");
	ok(m.source == NULL, "no source");
	outbox_msg_release(&m);
	is_int(outbox_fail(path, "telegram: 502 Bad Gateway", 1, &err), 0,
	    "fail with retry");
	ok(exists_in(NULL, n2) && !exists_in("cur", n2), "back in outbox/");
	free(path);
	is_int(outbox_claim(n2, &path, &err), 0, "claim it again");
	is_int(outbox_read(path, &m, &err), 0, "read it again");
	is_int(m.attempts, 1, "one attempt");
	is_str(m.error, "telegram: 502 Bad Gateway", "its error");
	is_str(m.text, "second", "text kept");
	outbox_msg_release(&m);
	is_int(outbox_fail(path, "chat not found", 0, &err), 0,
	    "fail without retry");
	ok(exists_in("failed", n2) && !exists_in("cur", n2) &&
	    !exists_in(NULL, n2), "moved to failed/");
	free(path);
	p = box("failed", n2);
	s = slurp(p);
	ok(strstr(s, "\"attempts\":2") && strstr(s, "\"error\":\"chat not "
	    "found\"") && strstr(s, "\"text\":\"second\""),
	    "failed/ records attempts and error: %s", s);
	is_int(mode_of(p), 0600, "rewritten file mode 0600");
	free(s);
	free(p);

	is_int(outbox_claim(n3, &path, &err), 0, "claim the third");
	free(path);
	is_int(outbox_claim("../x", &path, &err), -HM_EINVAL,
	    "a name with '/' is refused");
	is_int(outbox_claim(".x", &path, &err), -HM_EINVAL,
	    "a dot-name is refused");
	is_int(outbox_claim("cur", &path, &err), -HM_EINVAL,
	    "a subdirectory is refused");
	is_int(outbox_done("/tmp/x.json", &err), -HM_EINVAL,
	    "done outside cur/ is refused");
	is_int(outbox_recover(&n, &err), 0, "recover");
	is_int(n, 1, "one claim brought back");
	ok(exists_in(NULL, n3) && count_in("cur") == 0, "back in outbox/");
	free(n1);
	free(n2);
	free(n3);
	buf_release(&err);
}

static void
test_unknown_keys_and_malformed(void)
{
	struct buf err = BUF_INIT;
	struct outbox_msg m;
	static const char *const bad[] = { "b-not-json", "c-no-text",
	    "d-bad-attempts", "e-bad-target", NULL };
	char *path = NULL, *p, *s, **names;
	size_t n, i;

	drop("a-by-hand", "{\"target\":\"telegram:5\",\"text\":\"hi\","
	    "\"parse_mode\":\"HTML\",\"attempts\":4}\n");
	drop("b-not-json", "this is not JSON");
	drop("c-no-text", "{\"target\":\"telegram:5\"}");
	drop("d-bad-attempts", "{\"target\":\"telegram:5\",\"text\":\"x\","
	    "\"attempts\":\"many\"}");
	drop("e-bad-target", "{\"target\":\"telegram\",\"text\":\"x\"}");
	drop(".f-hidden", "{\"target\":\"telegram:5\",\"text\":\"x\"}");
	p = box("sub", "");
	hm_mkdir_p(p, 0700, NULL);
	free(p);

	is_int(outbox_scan(&names, &n, &err), 0, "scan");
	is_int(n, 6, "five dropped and one left by test_life");
	for (i = 0; i < n; i++)
		ok(names[i][0] != '.' && strcmp(names[i], "sub") &&
		    (i == 0 || strcmp(names[i - 1], names[i]) < 0),
		    "listed in order, no dot-name, no subdirectory: %s",
		    names[i]);
	outbox_names_free(names, n);

	is_int(outbox_claim("a-by-hand", &path, &err), 0, "claim by-hand");
	is_int(outbox_read(path, &m, &err), 0, "a hand-written file reads");
	is_int(m.attempts, 4, "its attempts");
	ok(m.created == NULL && m.source == NULL, "optional keys absent");
	outbox_msg_release(&m);
	is_int(outbox_fail(path, "boom", 1, &err), 0, "retry it");
	free(path);
	p = box(NULL, "a-by-hand");
	s = slurp(p);
	ok(strstr(s, "\"parse_mode\":\"HTML\"") && strstr(s, "\"attempts\":5"),
	    "unknown keys kept, attempts counted on: %s", s);
	free(s);
	free(p);

	for (i = 0; bad[i]; i++) {
		is_int(outbox_claim(bad[i], &path, &err), 0, "claim %s",
		    bad[i]);
		is_int(outbox_read(path, &m, &err), -HM_EINVAL,
		    "malformed: %s", bad[i]);
		ok(strstr(buf_str(&err), bad[i]) &&
		    strstr(buf_str(&err), "malformed"), "naming the file: %s",
		    buf_str(&err));
		ok(m.target == NULL && m.text == NULL, "m is empty after it");
		outbox_msg_release(&m);
		is_int(outbox_fail(path, buf_str(&err), i != 0, &err), 0,
		    "fail %s", bad[i]);
		ok(exists_in("failed", bad[i]) && !exists_in(NULL, bad[i]),
		    "in failed/ (never retried when malformed)");
		free(path);
	}
	p = box("failed", "b-not-json");
	s = slurp(p);
	ok(strstr(s, "\"raw\":\"this is not JSON\"") &&
	    strstr(s, "\"attempts\":1") && strstr(s, "\"error\":"),
	    "non-JSON wrapped: %s", s);
	free(s);
	free(p);
	p = box(NULL, ".f-hidden");
	unlink(p);
	free(p);
	p = box("sub", "");
	rmdir(p);
	free(p);
	buf_release(&err);
}

/* Two processes claim the same 20 messages: each goes to one of them. */
static void
test_race(void)
{
	struct buf err = BUF_INIT;
	char **names;
	size_t n, i;
	pid_t pid[2];
	int k, st, total = 0;

	for (i = 0; i < 20; i++)
		outbox_put("telegram:7", "race", "test", NULL, &err);
	for (k = 0; k < 2; k++) {
		pid[k] = fork();
		if (pid[k] == 0) {
			int won = 0;

			if (outbox_scan(&names, &n, &err) < 0)
				_exit(255);
			for (i = 0; i < n; i++) {
				char *path;

				if (outbox_claim(names[i], &path, &err) == 0) {
					won++;
					free(path);
				}
			}
			_exit(won);
		}
	}
	for (k = 0; k < 2; k++)
		if (pid[k] > 0 && waitpid(pid[k], &st, 0) > 0 &&
		    WIFEXITED(st))
			total += WEXITSTATUS(st);
	/* a-by-hand (retried) and the third from test_life wait too */
	is_int(total, 22, "every message claimed exactly once");
	is_int(count_in("cur"), 22, "all in cur/");
	is_int(count_in(NULL), 0, "none left");
	buf_release(&err);
}

/* The consumer's loop: outbox_mkdirs, watch outbox/, a put wakes it. */
static void
test_watch(void)
{
	struct buf err = BUF_INIT;
	struct watch *w = NULL;
	const char *dirs[] = { NULL, NULL };
	char *dir = outbox_dir(NULL), *name = NULL, *path = NULL;

	is_int(outbox_mkdirs(&err), 0, "outbox_mkdirs");
	ok(exists_in(NULL, "cur") && exists_in(NULL, "sent") &&
	    exists_in(NULL, "failed"), "cur/ sent/ failed/ exist");
	dirs[0] = dir;
	is_int(watch_open(&w, dirs, &err), 0, "watch the outbox");
	is_int(watch_wait(w, 0, &err), 0, "quiet");
	is_int(outbox_put("telegram:8", "wake up", "test", &name, &err), 0,
	    "put");
	is_int(watch_wait(w, 5000, &err), 1, "the put wakes the watcher");
	is_int(outbox_claim(name, &path, &err), 0, "claim");
	is_int(outbox_done(path, &err), 0, "done");
	is_int(watch_wait(w, 5000, &err), 1,
	    "the consumer's own moves wake it once more");
	is_int(watch_wait(w, 100, &err), 0, "then quiet");
	watch_close(w);
	free(name);
	free(path);
	free(dir);
	buf_release(&err);
}

int
main(void)
{
	struct buf err = BUF_INIT;
	char *p;

	if (!mkdtemp(home)) {
		perror("mkdtemp");
		return 1;
	}
	unsetenv("HERMES_PROFILE");
	setenv("HERMES_HOME", home, 1);
	is_int(hm_home_init(&err), 0, "hm_home_init");
	test_targets();
	test_life();
	test_unknown_keys_and_malformed();
	test_race();
	test_watch();
	p = outbox_dir(NULL);
	nftw(p, check_one, 16, FTW_PHYS);
	free(p);
	is_int(dots, 0, "no dot-file left behind");
	is_int(modes, 0, "files 0600, directories 0700");
	nftw(home, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	buf_release(&err);
	return done_testing();
}
