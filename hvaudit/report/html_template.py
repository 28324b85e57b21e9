"""report.html.j2 compiled by jinja2 3.1.6 (`python -m hvaudit.report.html`); do not edit."""
# mypy: ignore-errors
# ruff: noqa
TEMPLATE_SHA256 = '6707064a7d402871d345ded95bbf850b1c8d948b4b7fd3c169940d487beddf0a'
JINJA2_VERSION = '3.1.6'
from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'report.html.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_v = resolve('v')
    l_0_css_hash = resolve('css_hash')
    l_0_t = resolve('t')
    l_0_css = resolve('css')
    l_0_evidence_table = l_0_refs = l_0_explained = l_0_listed = missing
    try:
        t_1 = environment.filters['length']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'length' found.")
    try:
        t_2 = environment.filters['list']
    except KeyError:
        @internalcode
        def t_2(*unused):
            raise TemplateRuntimeError("No filter named 'list' found.")
    try:
        t_3 = environment.filters['reject']
    except KeyError:
        @internalcode
        def t_3(*unused):
            raise TemplateRuntimeError("No filter named 'reject' found.")
    pass
    def macro(l_1_items):
        t_4 = []
        if l_1_items is missing:
            l_1_items = undefined("parameter 'items' was not provided", name='items')
        pass
        t_4.extend((
            '<table class="evidence">\n<thead><tr><th>',
            escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'source')),
            '</th><th>',
            escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'raw-value')),
            '</th><th>',
            escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'strength')),
            '</th><th>',
            escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'note')),
            '</th></tr></thead>\n<tbody>\n',
        ))
        for l_2_e in l_1_items:
            _loop_vars = {}
            pass
            t_4.extend((
                '<tr>\n<td class="where"><code>',
                escape(environment.getattr(l_2_e, 'where')),
                '</code>',
            ))
            if environment.getattr(l_2_e, 'probe'):
                pass
                t_4.extend((
                    '<br><span class="muted mono">',
                    escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'probe', _loop_vars=_loop_vars)),
                    ': ',
                    escape(environment.getattr(l_2_e, 'probe')),
                    '</span>',
                ))
            t_4.append(
                '</td>\n<td class="rawcell">',
            )
            if environment.getattr(l_2_e, 'error'):
                pass
                t_4.extend((
                    '<span class="badge l-unknown">',
                    escape(environment.getattr(l_2_e, 'error')),
                    '</span> ',
                    escape(environment.getattr(l_2_e, 'error_label')),
                ))
            elif environment.getattr(l_2_e, 'raw'):
                pass
                t_4.extend((
                    '<span class="raw">',
                    escape(environment.getattr(l_2_e, 'raw')),
                    '</span>',
                ))
            else:
                pass
                t_4.append(
                    '<span class="none">—</span>',
                )
            t_4.extend((
                '</td>\n<td class="str"><span class="strength strength-',
                escape(environment.getattr(l_2_e, 'strength')),
                '">',
                escape(environment.getattr(l_2_e, 'strength_label')),
                '</span>',
            ))
            if environment.getattr(l_2_e, 'claim'):
                pass
                t_4.extend((
                    '<br><code>',
                    escape(environment.getattr(l_2_e, 'claim')),
                    '</code>',
                ))
            t_4.extend((
                '</td>\n<td>',
                escape(environment.getattr(l_2_e, 'note')),
                '</td>\n</tr>\n',
            ))
        l_2_e = missing
        t_4.append(
            '</tbody>\n</table>',
        )
        return concat(t_4)
    context.exported_vars.add('evidence_table')
    context.vars['evidence_table'] = l_0_evidence_table = Macro(environment, macro, 'evidence_table', ('items',), False, False, False, context.eval_ctx.autoescape)
    def macro(l_1_item):
        t_5 = []
        if l_1_item is missing:
            l_1_item = undefined("parameter 'item' was not provided", name='item')
        pass
        if environment.getattr(l_1_item, 'sections'):
            pass
            t_5.extend((
                '<p class="refs"><span class="refs-label">',
                escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'notes-refs')),
                ':</span> ',
            ))
            l_2_loop = missing
            for l_2_s, l_2_loop in LoopContext(environment.getattr(l_1_item, 'sections'), undefined):
                _loop_vars = {}
                pass
                t_5.extend((
                    '<a href="#note-',
                    escape(environment.getattr(l_2_s, 'key')),
                    '">',
                    escape(environment.getattr(l_2_s, 'title')),
                    '</a>',
                ))
                if (not environment.getattr(l_2_loop, 'last')):
                    pass
                    t_5.append(
                        '; ',
                    )
            l_2_loop = l_2_s = missing
            t_5.append(
                '</p>',
            )
        return concat(t_5)
    context.exported_vars.add('refs')
    context.vars['refs'] = l_0_refs = Macro(environment, macro, 'refs', ('item',), False, False, False, context.eval_ctx.autoescape)
    def macro(l_1_item):
        t_6 = []
        if l_1_item is missing:
            l_1_item = undefined("parameter 'item' was not provided", name='item')
        pass
        t_6.extend((
            '<p class="explanation">',
            escape((environment.getattr(l_1_item, 'explanation') if (environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'detail') == 'full') else environment.getattr(l_1_item, 'lead'))),
            '</p>\n',
            escape(context.call((undefined(name='refs') if l_0_refs is missing else l_0_refs), l_1_item)),
        ))
        return concat(t_6)
    context.exported_vars.add('explained')
    context.vars['explained'] = l_0_explained = Macro(environment, macro, 'explained', ('item',), False, False, False, context.eval_ctx.autoescape)
    yield '<!DOCTYPE html>\n<html lang="'
    yield escape(environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'lang'))
    yield '">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \''
    yield escape((undefined(name='css_hash') if l_0_css_hash is missing else l_0_css_hash))
    yield '\'; base-uri \'none\'; form-action \'none\'">\n<meta name="referrer" content="no-referrer">\n<meta name="generator" content="hvaudit '
    yield escape(environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'version'))
    yield '">\n<title>'
    yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'report-title'))
    yield ': '
    yield escape(environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'verdict'))
    yield '</title>\n<style>'
    yield escape((undefined(name='css') if l_0_css is missing else l_0_css))
    yield '</style>\n</head>\n<body class="detail-'
    yield escape(environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'detail'))
    yield '">\n<header class="top">\n<p class="kicker">'
    yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'report-title'))
    yield ' · '
    yield escape(environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'host'))
    yield '</p>\n<h1 id="verdict">'
    yield escape(environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'verdict'))
    yield '</h1>\n<table class="head">\n<tbody>\n<tr><th scope="row">'
    yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'host'))
    yield '</th><td>'
    yield escape(environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'host'))
    yield '</td></tr>\n<tr><th scope="row">'
    yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'audited-at'))
    yield '</th><td>'
    yield escape(environment.getitem(environment.getitem(environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'header'), 1), 1))
    yield '</td></tr>\n<tr><th scope="row">'
    yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'hvaudit-version'))
    yield '</th><td>'
    yield escape(environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'version'))
    yield '</td></tr>\n<tr class="can-host"><th scope="row">'
    yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'can-host'))
    yield '</th><td><ul>'
    for (l_1_kind, l_1_answer) in environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'can_host'):
        _loop_vars = {}
        pass
        yield '<li><strong>'
        yield escape(l_1_kind)
        yield ':</strong> '
        yield escape(l_1_answer)
        yield '</li>'
    l_1_kind = l_1_answer = missing
    yield '</ul></td></tr>\n<tr><th scope="row">'
    yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'checks-by-status'))
    yield '</th><td class="counts checks">'
    t_7 = 1
    for l_1_c in environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'check_counts'):
        _loop_vars = {}
        pass
        yield '<span class="badge l-'
        yield escape(environment.getattr(l_1_c, 'level'))
        yield '">'
        yield escape(environment.getattr(l_1_c, 'label'))
        yield ' '
        yield escape(environment.getattr(l_1_c, 'n'))
        yield '</span> '
        t_7 = 0
    l_1_c = missing
    if t_7:
        pass
        yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'token.none'))
    yield '</td></tr>\n<tr><th scope="row">'
    yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'findings-by-severity'))
    yield '</th><td class="counts findings">'
    t_8 = 1
    for l_1_c in environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'finding_counts'):
        _loop_vars = {}
        pass
        yield '<span class="sev sev-'
        yield escape(environment.getattr(l_1_c, 'level'))
        yield '">'
        yield escape(environment.getattr(l_1_c, 'label'))
        yield ' '
        yield escape(environment.getattr(l_1_c, 'n'))
        yield '</span> '
        t_8 = 0
    l_1_c = missing
    if t_8:
        pass
        yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'token.none'))
    yield '</td></tr>\n<tr><th scope="row">systemd-detect-virt</th><td><code>vm='
    yield escape(environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'vm'))
    yield '</code> <code>container='
    yield escape(environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'container'))
    yield '</code>'
    if environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'unseen'):
        pass
        yield ' · <a href="#not-seen">'
        yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'not-seen'))
        yield ': '
        yield escape(t_1(environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'unseen')))
        yield '</a>'
    yield '</td></tr>\n</tbody>\n</table>\n'
    if environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'redaction'):
        pass
        yield '<p class="redaction">'
        yield escape(environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'redaction'))
        yield '</p>'
    yield '</header>\n<main>\n<section id="attention" aria-labelledby="attention-h">\n<h2 id="attention-h">'
    yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'attention'))
    yield '</h2>\n'
    if environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'attention'):
        pass
        yield '<table class="checks attention">\n<thead><tr><th>'
        yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'check'))
        yield '</th><th>'
        yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'status'))
        yield '</th><th>'
        yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'summary'))
        yield ' · '
        yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'remedy'))
        yield '</th></tr></thead>\n<tbody>\n'
        for l_1_c in environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'attention'):
            _loop_vars = {}
            pass
            yield '<tr class="l-'
            yield escape(environment.getattr(l_1_c, 'level'))
            yield '">\n<td><strong>'
            yield escape(environment.getattr(l_1_c, 'name'))
            yield '</strong><br><code>'
            yield escape(environment.getattr(l_1_c, 'id'))
            yield '</code></td>\n<td class="status"><span class="badge l-'
            yield escape(environment.getattr(l_1_c, 'level'))
            yield '">'
            yield escape(environment.getattr(l_1_c, 'level_label'))
            yield '</span></td>\n<td>'
            yield escape(environment.getattr(l_1_c, 'title'))
            if environment.getattr(l_1_c, 'remedy'):
                pass
                yield '<p class="remedy"><strong>'
                yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'remedy', _loop_vars=_loop_vars))
                yield ':</strong> '
                yield escape(environment.getattr(l_1_c, 'remedy'))
                yield '</p>'
            yield escape(context.call((undefined(name='explained') if l_0_explained is missing else l_0_explained), l_1_c, _loop_vars=_loop_vars))
            yield '\n'
            if environment.getattr(l_1_c, 'evidence'):
                pass
                yield '<details class="check-more evidence-more"><summary>'
                yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'evidence', _loop_vars=_loop_vars))
                yield ' ('
                yield escape(t_1(environment.getattr(l_1_c, 'evidence')))
                yield ')</summary>\n'
                yield escape(context.call((undefined(name='evidence_table') if l_0_evidence_table is missing else l_0_evidence_table), environment.getattr(l_1_c, 'evidence'), _loop_vars=_loop_vars))
                yield '\n</details>'
            yield '</td>\n</tr>\n'
        l_1_c = missing
        yield '</tbody>\n</table>\n'
    else:
        pass
        yield '<p class="none">'
        yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'attention-none'))
        yield '</p>\n'
    yield '</section>\n\n<section id="layers" aria-labelledby="layers-h">\n<h2 id="layers-h">'
    yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'layers-from-hardware'))
    yield '</h2>\n<p class="caption">'
    yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'stack-caption'))
    yield '</p>\n<ol class="stack">\n'
    l_1_loop = missing
    for l_1_tier, l_1_loop in LoopContext(environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'tiers'), undefined):
        _loop_vars = {}
        pass
        yield '<li class="tier tier-'
        yield escape(environment.getattr(l_1_tier, 'role'))
        yield ' depth-'
        yield escape(environment.getattr(l_1_loop, 'index0'))
        yield '" id="tier-'
        yield escape(environment.getattr(l_1_loop, 'index0'))
        yield '">\n<span class="role">'
        yield escape(environment.getattr(l_1_tier, 'role_label'))
        yield '</span>\n'
        if environment.getattr(l_1_tier, 'confidence'):
            pass
            yield '<span class="conf">'
            yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'confidence', _loop_vars=_loop_vars))
            yield ': <span class="strength strength-'
            yield escape(environment.getattr(l_1_tier, 'confidence'))
            yield '">'
            yield escape(environment.getattr(l_1_tier, 'confidence_label'))
            yield '</span></span>'
        yield '<span class="name">'
        yield escape(environment.getattr(l_1_tier, 'name'))
        yield '</span>'
        if environment.getattr(l_1_tier, 'here'):
            pass
            yield '<span class="here">'
            yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'this-system', _loop_vars=_loop_vars))
            yield '</span>'
        if environment.getattr(l_1_tier, 'facts'):
            pass
            yield '<dl class="facts">\n'
            for (l_2_label, l_2_value) in environment.getattr(l_1_tier, 'facts'):
                _loop_vars = {}
                pass
                yield '<dt>'
                yield escape(l_2_label)
                yield '</dt><dd>'
                yield escape(l_2_value)
                yield '</dd>\n'
            l_2_label = l_2_value = missing
            yield '</dl>\n'
        if environment.getattr(l_1_tier, 'evidence'):
            pass
            yield '<details><summary>'
            yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'evidence', _loop_vars=_loop_vars))
            yield ' ('
            yield escape(t_1(environment.getattr(l_1_tier, 'evidence')))
            yield ')</summary>\n'
            yield escape(context.call((undefined(name='evidence_table') if l_0_evidence_table is missing else l_0_evidence_table), environment.getattr(l_1_tier, 'evidence'), _loop_vars=_loop_vars))
            yield '\n</details>\n'
        yield '</li>\n'
    l_1_loop = l_1_tier = missing
    yield '</ol>\n</section>\n\n<section id="capabilities" aria-labelledby="capabilities-h">\n<h2 id="capabilities-h">'
    yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), ('all-checks' if ((environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'detail') == 'full') or (not environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'attention'))) else 'other-checks')))
    yield '</h2>\n'
    l_0_listed = (environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'checks') if (environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'detail') == 'full') else t_2(context.eval_ctx, t_3(context, environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'checks'), 'in', environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'attention'))))
    context.vars['listed'] = l_0_listed
    context.exported_vars.add('listed')
    if (undefined(name='listed') if l_0_listed is missing else l_0_listed):
        pass
        yield '<table class="checks">\n<thead><tr><th>'
        yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'check'))
        yield '</th><th>'
        yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'status'))
        yield '</th><th>'
        yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'summary'))
        yield '</th></tr></thead>\n<tbody>\n'
        for l_1_c in (undefined(name='listed') if l_0_listed is missing else l_0_listed):
            _loop_vars = {}
            pass
            yield '<tr class="l-'
            yield escape(environment.getattr(l_1_c, 'level'))
            yield '" id="check-'
            yield escape(environment.getattr(l_1_c, 'id'))
            yield '">\n<td><strong>'
            yield escape(environment.getattr(l_1_c, 'name'))
            yield '</strong><br><code>'
            yield escape(environment.getattr(l_1_c, 'id'))
            yield '</code></td>\n<td class="status"><span class="badge l-'
            yield escape(environment.getattr(l_1_c, 'level'))
            yield '">'
            yield escape(environment.getattr(l_1_c, 'level_label'))
            yield '</span></td>\n<td>'
            yield escape(environment.getattr(l_1_c, 'title'))
            yield '\n'
            yield escape(context.call((undefined(name='explained') if l_0_explained is missing else l_0_explained), l_1_c, _loop_vars=_loop_vars))
            yield '\n'
            if environment.getattr(l_1_c, 'evidence'):
                pass
                yield '<details class="check-more evidence-more"><summary>'
                yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'evidence', _loop_vars=_loop_vars))
                yield ' ('
                yield escape(t_1(environment.getattr(l_1_c, 'evidence')))
                yield ')</summary>\n'
                yield escape(context.call((undefined(name='evidence_table') if l_0_evidence_table is missing else l_0_evidence_table), environment.getattr(l_1_c, 'evidence'), _loop_vars=_loop_vars))
                yield '\n</details>'
            yield '</td>\n</tr>\n'
        l_1_c = missing
        yield '</tbody>\n</table>\n'
    elif environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'checks'):
        pass
        yield '<p class="none">'
        yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'attention-all'))
        yield '</p>\n'
    else:
        pass
        yield '<p class="none">'
        yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'no-checks'))
        yield '</p>\n'
    yield '</section>\n\n<section id="findings" aria-labelledby="findings-h">\n<h2 id="findings-h">'
    yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'findings'))
    yield '</h2>\n'
    l_1_loop = missing
    t_9 = 1
    for l_1_f, l_1_loop in LoopContext(environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'findings'), undefined):
        _loop_vars = {}
        pass
        yield '<details class="item finding l-'
        yield escape(environment.getattr(l_1_f, 'level'))
        yield '" id="finding-'
        yield escape(environment.getattr(l_1_loop, 'index'))
        yield '">\n<summary><span class="sev sev-'
        yield escape(environment.getattr(l_1_f, 'level'))
        yield '">'
        yield escape(environment.getattr(l_1_f, 'level_label'))
        yield '</span><span class="name">'
        yield escape(environment.getattr(l_1_f, 'name'))
        yield '</span> <span class="title">'
        yield escape(environment.getattr(l_1_f, 'title'))
        yield '</span><code>'
        yield escape(environment.getattr(l_1_f, 'id'))
        yield '</code></summary>\n<div class="body">\n'
        yield escape(context.call((undefined(name='explained') if l_0_explained is missing else l_0_explained), l_1_f, _loop_vars=_loop_vars))
        yield '\n<div class="evidence-more">\n<h4>'
        yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'evidence', _loop_vars=_loop_vars))
        yield '</h4>\n'
        if environment.getattr(l_1_f, 'evidence'):
            pass
            yield escape(context.call((undefined(name='evidence_table') if l_0_evidence_table is missing else l_0_evidence_table), environment.getattr(l_1_f, 'evidence'), _loop_vars=_loop_vars))
        else:
            pass
            yield '<p class="none">'
            yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'no-evidence', _loop_vars=_loop_vars))
            yield '</p>'
        if environment.getattr(l_1_f, 'contradicted_by'):
            pass
            yield '<h4>'
            yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'contradicted-by', _loop_vars=_loop_vars))
            yield '</h4>\n'
            yield escape(context.call((undefined(name='evidence_table') if l_0_evidence_table is missing else l_0_evidence_table), environment.getattr(l_1_f, 'contradicted_by'), _loop_vars=_loop_vars))
            yield '\n'
        yield '</div>\n</div>\n</details>\n'
        t_9 = 0
    l_1_loop = l_1_f = missing
    if t_9:
        pass
        yield '<p class="none">'
        yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'no-findings'))
        yield '</p>\n'
    yield '</section>\n\n<section id="not-seen" aria-labelledby="not-seen-h">\n<h2 id="not-seen-h">'
    yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'not-seen'))
    yield '</h2>\n'
    if environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'unseen'):
        pass
        yield '<p class="caption">'
        yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'unseen-intro'))
        yield '</p>\n<table class="unseen">\n<thead><tr><th>'
        yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'source'))
        yield '</th><th>'
        yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'error'))
        yield '</th><th>'
        yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'probe'))
        yield '</th><th>'
        yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'note'))
        yield '</th></tr></thead>\n<tbody>\n'
        for l_1_e in environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'unseen'):
            _loop_vars = {}
            pass
            yield '<tr><td><code>'
            yield escape(environment.getattr(l_1_e, 'where'))
            yield '</code></td><td><span class="badge l-unknown">'
            yield escape(environment.getattr(l_1_e, 'error'))
            yield '</span> '
            yield escape(environment.getattr(l_1_e, 'error_label'))
            yield '</td><td><code>'
            yield escape(environment.getattr(l_1_e, 'probe'))
            yield '</code></td><td>'
            yield escape(environment.getattr(l_1_e, 'note'))
            yield '</td></tr>\n'
        l_1_e = missing
        yield '</tbody>\n</table>\n'
    else:
        pass
        yield '<p class="none">'
        yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'unseen-none'))
        yield '</p>\n'
    yield '</section>\n\n'
    if environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'cited'):
        pass
        yield '<section id="the-notes" class="teaching" aria-labelledby="the-notes-h">\n<h2 id="the-notes-h">'
        yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'the-notes'))
        yield '</h2>\n<p class="caption">'
        yield escape(context.call(environment.getattr(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'the-notes-intro'), 'replace'), '{notes}', environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'notes')))
        yield '</p>\n'
        for l_1_s in environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'cited'):
            _loop_vars = {}
            pass
            yield '<figure class="note" id="note-'
            yield escape(environment.getattr(l_1_s, 'key'))
            yield '">\n<figcaption>'
            yield escape(environment.getattr(l_1_s, 'title'))
            yield '</figcaption>\n<blockquote lang="pt"><span class="says">'
            yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'notes-say-short', _loop_vars=_loop_vars))
            yield ':</span> <q>'
            yield escape(environment.getattr(l_1_s, 'quote'))
            yield '</q></blockquote>\n'
            for l_2_c in environment.getattr(l_1_s, 'corrections'):
                _loop_vars = {}
                pass
                yield '<div class="study kind-'
                yield escape(environment.getattr(l_2_c, 'kind'))
                yield '">\n<p class="study-head"><strong>'
                yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'correction', _loop_vars=_loop_vars))
                yield '</strong> · '
                yield escape(environment.getattr(l_2_c, 'kind_label'))
                yield '</p>\n'
                if (environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'detail') == 'full'):
                    pass
                    yield '<p class="claim">'
                    yield escape(environment.getattr(l_2_c, 'claim'))
                    yield '</p>'
                yield '<p><strong>'
                yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'accurate-view', _loop_vars=_loop_vars))
                yield ':</strong> '
                yield escape((environment.getattr(l_2_c, 'accurate') if (environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'detail') == 'full') else environment.getattr(l_2_c, 'accurate_brief')))
                yield '</p>\n<p class="source">'
                yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'source', _loop_vars=_loop_vars))
                yield ': '
                yield escape(environment.getattr(l_2_c, 'source'))
                yield '</p>\n</div>\n'
            l_2_c = missing
            yield '</figure>\n'
        l_1_s = missing
        yield '</section>\n'
    yield '\n<section id="about" aria-labelledby="about-h">\n<h2 id="about-h">'
    yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'about'))
    yield '</h2>\n<table class="meta">\n<tbody>\n'
    for (l_1_label, l_1_value) in environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'meta'):
        _loop_vars = {}
        pass
        yield '<tr><th scope="row">'
        yield escape(l_1_label)
        yield '</th><td>'
        yield escape(l_1_value)
        yield '</td></tr>\n'
    l_1_label = l_1_value = missing
    yield '</tbody>\n</table>\n</section>\n</main>\n<footer>\n<p>'
    yield escape(context.call(environment.getattr(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'notes-footer'), 'replace'), '{notes}', environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'notes')))
    yield '</p>\n<p>'
    yield escape(context.call(environment.getattr(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'generated-by'), 'replace'), '{version}', environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'version')))
    yield '</p>\n'
    if (environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'detail') != 'full'):
        pass
        yield '<p>'
        yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'detail-more'))
        yield '</p>'
    yield '</footer>\n</body>\n</html>\n'

blocks = {}
debug_info = '3=34&5=41&7=50&9=55&10=70&11=92&12=106&18=116&19=121&21=151&22=158&23=160&26=166&30=168&32=170&33=172&34=176&36=178&38=180&39=184&42=186&43=190&44=194&45=198&46=210&47=229&48=248&51=260&55=266&56=268&58=271&60=279&61=283&62=285&63=289&64=293&65=301&66=303&67=310&75=318&80=321&81=323&83=326&84=330&85=336&86=338&87=348&88=355&90=358&94=368&95=371&96=375&105=380&106=382&107=385&109=388&111=394&112=398&113=402&114=406&115=410&116=412&117=414&118=421&125=426&126=429&128=434&133=437&134=441&135=445&136=449&138=459&140=461&141=463&142=471&143=474&144=476&150=484&155=487&156=489&157=492&159=494&161=502&162=506&167=521&171=524&173=527&174=529&175=531&176=535&177=537&178=539&179=543&180=547&181=549&182=553&183=559&184=563&193=572&196=574&203=584&204=586&205=588'
