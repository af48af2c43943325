#!/bin/sh
test_description='hermes-skill: list, view, create, edit, rm, search, check; front matter errors; project and bundled skills'
. "${0%/*}/lib.sh"

S="$HERMES_HOME/skills"
HERMES_BUNDLED_SKILLS=
export HERMES_BUNDLED_SKILLS

test_expect_success 'list on a fresh home prints nothing' '
	hermes-skill list >out 2>err &&
	test_line_count = 0 out && test_line_count = 0 err
'

test_expect_success 'create writes SKILL.md and prints its path' '
	hermes-skill create deploy-app -d "Deploy the app: build, upload, restart" \
		"1. make release" >out &&
	echo "$S/deploy-app/SKILL.md" >want && test_cmp want out &&
	cat >want <<-\EOT &&
	---
	name: deploy-app
	description: "Deploy the app: build, upload, restart"
	---

	1. make release
	EOT
	test_cmp want "$S/deploy-app/SKILL.md"
'

test_expect_success 'create with a category, the body from stdin' '
	printf "# Rotate logs\n\nUse logrotate -f.\n" |
		hermes-skill create rotate-logs -c ops -d "Rotate logs now" - >out &&
	grep -q "/skills/ops/rotate-logs/SKILL.md$" out &&
	grep -q "^Use logrotate -f.$" "$S/ops/rotate-logs/SKILL.md"
'

test_expect_success 'create without a body writes the skeleton' '
	hermes-skill create bare -d "A bare skill" &&
	grep -q "^## Procedure$" "$S/bare/SKILL.md" &&
	grep -q "^## Verification$" "$S/bare/SKILL.md"
'

test_expect_success 'list prints name, category, description, sorted by category' '
	hermes-skill list >out &&
	printf "bare\t\tA bare skill\ndeploy-app\t\tDeploy the app: build, upload, restart\nrotate-logs\tops\tRotate logs now\n" >want &&
	test_cmp want out
'

test_expect_success 'list --json: one object a line' '
	hermes-skill --json list >out &&
	test_line_count = 3 out &&
	python3 -c "
import json
rows = [json.loads(l) for l in open(\"out\")]
r = rows[2]
assert r[\"name\"] == \"rotate-logs\" and r[\"category\"] == \"ops\", r
assert r[\"source\"] == \"home\" and r[\"path\"].endswith(\"/skills/ops/rotate-logs\"), r
"
'

test_expect_success 'create refuses bad names, a missing -d and a clash' '
	test_expect_code 2 hermes-skill create Bad_Name -d x 2>err &&
	grep -q "invalid name .Bad_Name." err &&
	test_expect_code 2 hermes-skill create no-desc 2>err &&
	grep -q "needs -d" err &&
	test_expect_code 2 hermes-skill create "$(printf "%065d" 0 | tr 0 a)" -d x &&
	test_expect_code 1 hermes-skill create bare -d again 2>err &&
	test_one_line err && grep -q "already exists" err
'

test_expect_success 'view prints SKILL.md; view NAME FILE one file' '
	hermes-skill view deploy-app >out &&
	test_cmp "$S/deploy-app/SKILL.md" out &&
	mkdir -p "$S/deploy-app/references" &&
	echo "host: prod-1" >"$S/deploy-app/references/hosts.md" &&
	hermes-skill view deploy-app references/hosts.md >out &&
	echo "host: prod-1" >want && test_cmp want out
'

test_expect_success 'view refuses paths out of the skill' '
	echo secret >"$HERMES_HOME/secret.txt" &&
	ln -s "$HERMES_HOME/secret.txt" "$S/deploy-app/references/link.md" &&
	test_expect_code 2 hermes-skill view deploy-app ../../secret.txt 2>err &&
	grep -q "not allowed" err &&
	test_expect_code 2 hermes-skill view deploy-app "$HERMES_HOME/secret.txt" 2>err &&
	grep -q "absolute" err &&
	test_expect_code 2 hermes-skill view deploy-app references/link.md 2>err &&
	grep -q "leads outside" err &&
	test_expect_code 1 hermes-skill view deploy-app references/none.md 2>err &&
	grep -q "no file" err &&
	test_expect_code 1 hermes-skill view no-such 2>err &&
	grep -q "no skill .no-such." err &&
	rm "$S/deploy-app/references/link.md"
'

test_expect_success 'search matches name, description and body, ignoring case' '
	hermes-skill search LOGROTATE >out &&
	cut -f1 out >names && echo rotate-logs >want && test_cmp want names &&
	hermes-skill search upload | cut -f1 >names &&
	echo deploy-app >want && test_cmp want names &&
	hermes-skill search nothing-like-this >out && test_line_count = 0 out
'

test_expect_success 'bad front matter: list warns, check names file and line, exit 1' '
	mkdir -p "$S/broken" &&
	printf -- "---\nname: broken\ndescription: \"open\n---\n" >"$S/broken/SKILL.md" &&
	hermes-skill list >out 2>err &&
	test_line_count = 3 out &&
	grep -q "1 invalid skill left out" err &&
	test_expect_code 1 hermes-skill check 2>err &&
	grep -q "^hermes-skill: .*/skills/broken/SKILL.md:3: unterminated double-quoted string" err
'

test_expect_success 'check names each bad skill: a name that is not its directory, an unknown key' '
	mkdir -p "$S/misnamed" "$S/extra" &&
	printf -- "---\nname: other\ndescription: x\n---\n" >"$S/misnamed/SKILL.md" &&
	printf -- "---\nname: extra\ndescription: x\nfoo: bar\n---\n" >"$S/extra/SKILL.md" &&
	test_expect_code 1 hermes-skill check 2>err &&
	test_line_count = 3 err &&
	grep -q "misnamed/SKILL.md:2: name .other. differs from its directory .misnamed." err &&
	grep -q "extra/SKILL.md:4: unknown key .foo." err &&
	rm -r "$S/misnamed" "$S/extra" "$S/broken" &&
	hermes-skill check
'

test_expect_success 'binary and unterminated SKILL.md files never crash' '
	mkdir -p "$S/bin1" "$S/bin2" "$S/bin3" &&
	head -c 3000 /dev/urandom >"$S/bin1/SKILL.md" &&
	printf -- "---\nname: bin2\ndescription: x" >"$S/bin2/SKILL.md" &&
	printf -- "---\nname: bin3\n\tdescription: x\n---\n" >"$S/bin3/SKILL.md" &&
	test_expect_code 1 hermes-skill check 2>err &&
	test_line_count = 3 err &&
	grep -q "bin2/SKILL.md:1: front matter not closed" err &&
	grep -q "bin3/SKILL.md:3: tab in indentation" err &&
	rm -r "$S/bin1" "$S/bin2" "$S/bin3"
'

test_expect_success 'edit runs $EDITOR on a copy and saves a valid result' '
	EDITOR="sed -i s/release/deploy/" hermes-skill edit deploy-app &&
	grep -q "^1. make deploy$" "$S/deploy-app/SKILL.md"
'

test_expect_success 'an edit that breaks the front matter keeps the old file' '
	cp "$S/deploy-app/SKILL.md" before &&
	test_expect_code 1 env EDITOR="sed -i s/^name:.*/name:\ Nope/" \
		hermes-skill edit deploy-app 2>err &&
	grep -q "invalid name .Nope." err &&
	grep -q "your edit is kept in" err &&
	test_cmp before "$S/deploy-app/SKILL.md"
'

test_expect_success 'a failing editor changes nothing' '
	cp "$S/deploy-app/SKILL.md" before &&
	test_expect_code 1 env EDITOR=false hermes-skill edit deploy-app &&
	test_cmp before "$S/deploy-app/SKILL.md"
'

test_expect_success 'rm removes the skill, and an emptied category' '
	hermes-skill rm rotate-logs &&
	test ! -e "$S/ops" &&
	test_expect_code 1 hermes-skill rm rotate-logs 2>err &&
	grep -q "no skill" err
'

test_expect_success 'project skills: found from a subdirectory up to the git root' '
	mkdir -p proj/.git proj/src/deep proj/.hermes/skills/proj-tool &&
	printf -- "---\nname: proj-tool\ndescription: project only\n---\nbody\n" \
		>proj/.hermes/skills/proj-tool/SKILL.md &&
	(cd proj/src/deep && hermes-skill --json list) >out &&
	grep -q "\"name\":\"proj-tool\".*\"source\":\"project\"" out &&
	hermes-skill list >out && ! grep -q proj-tool out
'

test_expect_success 'a home skill hides a project skill of the same name' '
	mkdir -p proj/.hermes/skills/bare &&
	printf -- "---\nname: bare\ndescription: from the project\n---\n" \
		>proj/.hermes/skills/bare/SKILL.md &&
	(cd proj/src && hermes-skill list) >out &&
	grep -q "^bare		A bare skill$" out &&
	! grep -q "from the project" out
'

test_expect_success 'the search for project skills stops at the git root' '
	mkdir -p outer/.hermes/skills/outer-skill outer/repo/.git &&
	printf -- "---\nname: outer-skill\ndescription: x\n---\n" \
		>outer/.hermes/skills/outer-skill/SKILL.md &&
	(cd outer/repo && hermes-skill list) >out &&
	! grep -q outer-skill out
'

test_expect_success 'bundled skills ship with hermes and are read-only' '
	unset HERMES_BUNDLED_SKILLS &&
	hermes-skill list >out &&
	grep -q "^review-git-diff		" out &&
	grep -q "^write-crontab-line		" out &&
	grep -q "^fan-out-on-board		" out &&
	hermes-skill check &&
	test_expect_code 1 hermes-skill rm review-git-diff 2>err &&
	grep -q "read-only" err
'

test_expect_success 'profiles have their own skills' '
	HERMES_PROFILE=worker hermes-skill create worker-only -d "w" >out &&
	grep -q "/profiles/worker/skills/worker-only/SKILL.md$" out &&
	! hermes-skill list | grep -q worker-only
'

test_expect_success 'SIGPIPE is ignored (it talks to the network): a closed pipe is a quiet 141' '
	for i in $(seq 1 300); do
		hermes-skill create "many-$i" -d "$(printf %200s x)" >/dev/null || return 1
	done &&
	python3 -c "
import subprocess, sys
p = subprocess.Popen([\"hermes-skill\", \"list\"], stdout=subprocess.PIPE,
    stderr=subprocess.PIPE)
p.stdout.close()
err = p.stderr.read()
rc = p.wait()
assert rc == 141, (rc, err)
assert err == b\"\", err
"
'

test_done
