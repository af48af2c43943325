#!/bin/sh
test_description='hermes-ask: the skills index in the prompt, skills_list, skill_view, skill_manage'
. "${0%/*}/lib.sh"
. "$TEST_ROOT/fakes/llm.sh"

S="$HERMES_HOME/skills"
HERMES_BUNDLED_SKILLS=
export HERMES_BUNDLED_SKILLS

# the tool results of POST N, one a line (newlines as \n)
results() {
	fake_llm_jq "$1" "\"\\n\".join(m[\"content\"].replace(\"\\n\", \"\\\\n\") for m in b[\"messages\"] if m[\"role\"] == \"tool\")"
}

test_expect_success 'setup' '
	mkdir -p "$HERMES_HOME" &&
	echo "provider.retry_delay_ms = 10" >"$HERMES_HOME/config" &&
	hermes-skill create deploy-app -d "Deploy the app to production" \
		"1. make release" >/dev/null &&
	hermes-skill create rotate-logs -c ops -d "Rotate the logs" >/dev/null &&
	mkdir -p "$S/deploy-app/references" &&
	echo "prod-1 prod-2" >"$S/deploy-app/references/hosts.md"
'

test_expect_success 'no skills: no Skills block in the prompt' '
	echo "[\"hi\"]" >s.json &&
	fake_llm_start openai s.json &&
	HERMES_HOME="$TEST_TMP/empty" hermes-ask -q hello >/dev/null &&
	! fake_llm_jq 1 "b[\"messages\"][0][\"content\"]" | grep -q "## Skills"
'

test_expect_success 'the prompt carries the level-0 index, grouped by category' '
	echo "[\"hi\"]" >s.json &&
	fake_llm_start openai s.json &&
	hermes-ask -q hello >/dev/null &&
	fake_llm_jq 1 "b[\"messages\"][0][\"content\"]" >sys &&
	sed -n "/^## Skills$/,\$p" sys >block &&
	cat >want <<-\EOT &&
	## Skills
	Load one with skill_view(name) before using it.
	- deploy-app: Deploy the app to production
	### ops
	- rotate-logs: Rotate the logs
	EOT
	head -n 5 block >got && test_cmp want got &&
	! grep -q "make release" sys
'

test_expect_success 'the three tools are offered, in toolset skills' '
	fake_llm_jq 1 "sorted(t[\"function\"][\"name\"] for t in b[\"tools\"] if t[\"function\"][\"name\"].startswith(\"skill\"))" >names &&
	grep -q "\"skill_manage\",\"skill_view\",\"skills_list\"" names &&
	echo "[\"hi\"]" >s.json &&
	fake_llm_start openai s.json &&
	hermes-ask -q -t skills hello >/dev/null &&
	test "$(fake_llm_jq 1 "len(b[\"tools\"])")" = 3
'

test_expect_success 'skills_list and skill_view (levels 1 and 2)' '
	cat >s.json <<-\EOT &&
	[{"tool_calls": [
	   {"name": "skills_list", "arguments": {}},
	   {"name": "skills_list", "arguments": {"category": "ops"}},
	   {"name": "skill_view", "arguments": {"name": "deploy-app"}},
	   {"name": "skill_view", "arguments": {"name": "deploy-app", "file_path": "references/hosts.md"}}]},
	 {"text": "done"}]
	EOT
	fake_llm_start openai s.json &&
	hermes-ask -q go >/dev/null &&
	results 2 >r &&
	sed -n 1p r | python3 -c "
import json, sys
o = json.loads(sys.stdin.read())
assert o[\"count\"] == 2 and o[\"categories\"] == [\"ops\"], o
assert o[\"skills\"][0] == {\"name\": \"deploy-app\", \"description\": \"Deploy the app to production\", \"category\": \"\"}, o
" &&
	sed -n 2p r | grep -q "\"count\":1" &&
	sed -n 3p r | grep -q "^---\\\\nname: deploy-app.*1. make release.*Files in this skill.*references/hosts.md" &&
	sed -n 4p r >got && printf "%s\\n" "prod-1 prod-2\\n" >want &&
	test_cmp want got
'

test_expect_success 'skill_view refuses paths out of the skill and unknown skills' '
	echo secret >"$HERMES_HOME/secret.txt" &&
	ln -s "$HERMES_HOME/secret.txt" "$S/deploy-app/references/out.md" &&
	cat >s.json <<-\EOT &&
	[{"tool_calls": [
	   {"name": "skill_view", "arguments": {"name": "deploy-app", "file_path": "../../secret.txt"}},
	   {"name": "skill_view", "arguments": {"name": "deploy-app", "file_path": "/etc/passwd"}},
	   {"name": "skill_view", "arguments": {"name": "deploy-app", "file_path": "references/out.md"}},
	   {"name": "skill_view", "arguments": {"name": "nope"}}]},
	 {"text": "done"}]
	EOT
	fake_llm_start openai s.json &&
	hermes-ask -q go >/dev/null &&
	results 2 >r &&
	sed -n 1p r | grep -q "^error: .*not allowed" &&
	sed -n 2p r | grep -q "^error: .*absolute paths are not allowed" &&
	sed -n 3p r | grep -q "^error: .*leads outside the skill" &&
	sed -n 4p r | grep -q "^error: no skill .nope." &&
	! grep -q "^secret" r &&
	rm "$S/deploy-app/references/out.md"
'

test_expect_success 'skill_manage create: validated, and live at the next model call' '
	cat >s.json <<-\EOT &&
	[{"tool_calls": [{"name": "skill_manage", "arguments": {"action": "create", "name": "fix-ci",
	   "content": "---\nname: fix-ci\ndescription: Fix a red CI run\n---\n\n1. read the log\n"}}]},
	 {"text": "saved"}]
	EOT
	fake_llm_start openai s.json &&
	hermes-ask -q learn >/dev/null &&
	results 2 | grep -q "^ok; created .*/skills/fix-ci/SKILL.md" &&
	test -f "$S/fix-ci/SKILL.md" &&
	! fake_llm_jq 1 "b[\"messages\"][0][\"content\"]" | grep -q "fix-ci" &&
	fake_llm_jq 2 "b[\"messages\"][0][\"content\"]" | grep -q "^- fix-ci: Fix a red CI run$"
'

test_expect_success 'skill_manage: patch, write_file, remove_file, edit, delete' '
	cat >s.json <<-\EOT &&
	[{"tool_calls": [
	   {"name": "skill_manage", "arguments": {"action": "patch", "name": "fix-ci", "old_string": "read the log", "new_string": "read the whole log"}},
	   {"name": "skill_manage", "arguments": {"action": "write_file", "name": "fix-ci", "file_path": "references/flaky.md", "content": "known flaky: test_net\n"}},
	   {"name": "skill_manage", "arguments": {"action": "patch", "name": "fix-ci", "file_path": "references/flaky.md", "old_string": "test_net", "new_string": "test_dns"}}]},
	 {"tool_calls": [
	   {"name": "skill_manage", "arguments": {"action": "remove_file", "name": "fix-ci", "file_path": "references/flaky.md"}},
	   {"name": "skill_manage", "arguments": {"action": "edit", "name": "rotate-logs", "content": "---\nname: rotate-logs\ndescription: Rotate logs weekly\n---\nbody\n"}},
	   {"name": "skill_manage", "arguments": {"action": "delete", "name": "deploy-app"}}]},
	 {"text": "done"}]
	EOT
	fake_llm_start openai s.json &&
	hermes-ask -q go >/dev/null &&
	results 2 >r2 && results 3 >r3 &&
	test "$(grep -c "^ok; " r2)" = 3 && test "$(sed -n 1,3p r3 | grep -c "^ok; ")" = 3 &&
	grep -q "read the whole log" "$S/fix-ci/SKILL.md" &&
	test ! -e "$S/fix-ci/references" &&
	grep -q "Rotate logs weekly" "$S/ops/rotate-logs/SKILL.md" &&
	test ! -e "$S/deploy-app" &&
	hermes-skill check
'

test_expect_success 'skill_manage errors are tool errors with the reason' '
	cat >s.json <<-\EOT &&
	[{"tool_calls": [
	   {"name": "skill_manage", "arguments": {"action": "create", "name": "Bad", "content": "---\nname: Bad\ndescription: x\n---\n"}},
	   {"name": "skill_manage", "arguments": {"action": "create", "name": "x1", "content": "no front matter"}},
	   {"name": "skill_manage", "arguments": {"action": "create", "name": "fix-ci", "content": "---\nname: fix-ci\ndescription: again\n---\n"}},
	   {"name": "skill_manage", "arguments": {"action": "edit", "name": "fix-ci", "content": "---\nname: fix-ci\ncolor: red\ndescription: x\n---\n"}},
	   {"name": "skill_manage", "arguments": {"action": "write_file", "name": "fix-ci", "file_path": "../../SOUL.md", "content": "pwned"}},
	   {"name": "skill_manage", "arguments": {"action": "write_file", "name": "fix-ci", "file_path": "notes.txt", "content": "x"}},
	   {"name": "skill_manage", "arguments": {"action": "explode", "name": "fix-ci"}},
	   {"name": "skill_manage", "arguments": {"action": "create", "name": "other", "content": "---\nname: fix-it\ndescription: x\n---\n"}}]},
	 {"text": "done"}]
	EOT
	fake_llm_start openai s.json &&
	cp "$S/fix-ci/SKILL.md" before &&
	hermes-ask -q go >/dev/null &&
	results 2 >r &&
	sed -n 1p r | grep -q "^error: SKILL.md:2: invalid name .Bad." &&
	sed -n 2p r | grep -q "^error: SKILL.md:1: no front matter" &&
	sed -n 3p r | grep -q "^error: skill .fix-ci. already exists" &&
	sed -n 4p r | grep -q "^error: .*fix-ci/SKILL.md:3: unknown key .color." &&
	sed -n 5p r | grep -q "^error: .*not allowed" &&
	sed -n 6p r | grep -q "^error: .*references/, templates/, scripts/ or assets/" &&
	sed -n 7p r | grep -q "^error: unknown action .explode." &&
	sed -n 8p r | grep -q "^error: the SKILL.md is named .fix-it., not .other." &&
	test_cmp before "$S/fix-ci/SKILL.md" &&
	test ! -e "$S/Bad" && test ! -e "$S/other" &&
	! grep -q pwned "$HERMES_HOME/SOUL.md"
'

test_done
