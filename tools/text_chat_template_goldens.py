"""Goldens for dataprep_text::jinja (crates/text/tests/data/chat_templates/goldens.json).

Renders every template with every conversation in the environment transformers builds for
apply_chat_template: ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True) with
jinja2.ext.loopcontrols, a raise_exception global and its tojson filter (json.dumps with
ensure_ascii=False). Run from the repository root: python3 tools/text_chat_template_goldens.py
Needs: pip install jinja2==3.1.6
"""
import json
import pathlib

import jinja2.ext
from jinja2.exceptions import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

DIR = pathlib.Path("crates/text/tests/data/chat_templates")


def raise_exception(message):
    raise TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators,
                      sort_keys=sort_keys)


env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                    extensions=[jinja2.ext.loopcontrols])
env.filters["tojson"] = tojson
env.globals["raise_exception"] = raise_exception

conversations = json.loads((DIR / "conversations.json").read_text())
out = []
for path in sorted(DIR.glob("*.jinja")):
    template = env.from_string(path.read_text())
    for conv in conversations:
        for gen in (False, True):
            case = {"template": path.name, "conversation": conv["name"],
                    "add_generation_prompt": gen}
            try:
                case["text"] = template.render(messages=conv["messages"],
                                               add_generation_prompt=gen,
                                               bos_token="<s>", eos_token="</s>")
            except TemplateError as e:
                case["error"] = str(e)
            out.append(case)
(DIR / "goldens.json").write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")
print(f"{len(out)} cases, {sum('error' in c for c in out)} errors")
