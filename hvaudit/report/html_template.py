"""report.html.j2 compiled by jinja2 3.1.6 (`python -m hvaudit.report.html`); do not edit."""
# mypy: ignore-errors
# ruff: noqa
TEMPLATE_SHA256 = 'cb05aeee9fc48bdb670b597ece56cd3fea2230b48a4e5b306bea398d97eeb390'
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
    l_0_evidence_table = l_0_explained = missing
    try:
        t_1 = environment.filters['length']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'length' found.")
    try:
        t_2 = environment.filters['truncate']
    except KeyError:
        @internalcode
        def t_2(*unused):
            raise TemplateRuntimeError("No filter named 'truncate' found.")
    pass
    def macro(l_1_items):
        t_3 = []
        if l_1_items is missing:
            l_1_items = undefined("parameter 'items' was not provided", name='items')
        pass
        t_3.extend((
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
            t_3.extend((
                '<tr>\n<td class="where"><code>',
                escape(environment.getattr(l_2_e, 'where')),
                '</code>',
            ))
            if environment.getattr(l_2_e, 'probe'):
                pass
                t_3.extend((
                    '<br><span class="muted mono">',
                    escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'probe', _loop_vars=_loop_vars)),
                    ': ',
                    escape(environment.getattr(l_2_e, 'probe')),
                    '</span>',
                ))
            t_3.append(
                '</td>\n<td class="rawcell">',
            )
            if environment.getattr(l_2_e, 'error'):
                pass
                t_3.extend((
                    '<span class="badge l-unknown">',
                    escape(environment.getattr(l_2_e, 'error')),
                    '</span> ',
                    escape(environment.getattr(l_2_e, 'error_label')),
                ))
            elif environment.getattr(l_2_e, 'raw'):
                pass
                t_3.extend((
                    '<span class="raw">',
                    escape(environment.getattr(l_2_e, 'raw')),
                    '</span>',
                ))
            else:
                pass
                t_3.append(
                    '<span class="none">—</span>',
                )
            t_3.extend((
                '</td>\n<td class="str"><span class="strength strength-',
                escape(environment.getattr(l_2_e, 'strength')),
                '">',
                escape(environment.getattr(l_2_e, 'strength_label')),
                '</span>',
            ))
            if environment.getattr(l_2_e, 'claim'):
                pass
                t_3.extend((
                    '<br><code>',
                    escape(environment.getattr(l_2_e, 'claim')),
                    '</code>',
                ))
            t_3.extend((
                '</td>\n<td>',
                escape(environment.getattr(l_2_e, 'note')),
                '</td>\n</tr>\n',
            ))
        l_2_e = missing
        t_3.append(
            '</tbody>\n</table>',
        )
        return concat(t_3)
    context.exported_vars.add('evidence_table')
    context.vars['evidence_table'] = l_0_evidence_table = Macro(environment, macro, 'evidence_table', ('items',), False, False, False, context.eval_ctx.autoescape)
    def macro(l_1_item):
        t_4 = []
        if l_1_item is missing:
            l_1_item = undefined("parameter 'item' was not provided", name='item')
        pass
        t_4.extend((
            '<p class="explanation">',
            escape(environment.getattr(l_1_item, 'explanation')),
            '</p>\n',
        ))
        for l_2_s in environment.getattr(l_1_item, 'sections'):
            _loop_vars = {}
            pass
            t_4.extend((
                '<figure class="note">\n<figcaption>',
                escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'notes-say', _loop_vars=_loop_vars)),
                ' — <strong>',
                escape(environment.getattr(l_2_s, 'title')),
                '</strong></figcaption>\n<blockquote lang="pt">',
                escape(environment.getattr(l_2_s, 'quote')),
                '</blockquote>\n',
            ))
            for l_3_c in environment.getattr(l_2_s, 'corrections'):
                _loop_vars = {}
                pass
                t_4.extend((
                    '<div class="correction kind-',
                    escape(environment.getattr(l_3_c, 'kind')),
                    '">\n<p><strong>',
                    escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'correction', _loop_vars=_loop_vars)),
                    ' (',
                    escape(environment.getattr(l_3_c, 'kind_label')),
                    '):</strong> ',
                    escape(environment.getattr(l_3_c, 'claim')),
                    '</p>\n<p><strong>',
                    escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'accurate-view', _loop_vars=_loop_vars)),
                    ':</strong> ',
                    escape(environment.getattr(l_3_c, 'accurate')),
                    '</p>\n<p class="source">',
                    escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'source', _loop_vars=_loop_vars)),
                    ': ',
                    escape(environment.getattr(l_3_c, 'source')),
                    '</p>\n</div>\n',
                ))
            l_3_c = missing
            t_4.append(
                '</figure>\n',
            )
        l_2_s = missing
        return concat(t_4)
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
    yield '</style>\n</head>\n<body>\n<header class="top">\n<p class="kicker">'
    yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'report-title'))
    yield ' · '
    yield escape(t_2(environment, environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'machine'), 100))
    yield ' · '
    yield escape(environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'source'))
    yield ' · '
    yield escape(environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'when'))
    yield '</p>\n<h1 id="verdict">'
    yield escape(environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'verdict'))
    yield '</h1>\n<p class="summary">\n<span>systemd-detect-virt: <code>vm='
    yield escape(environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'vm'))
    yield '</code> <code>container='
    yield escape(environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'container'))
    yield '</code></span>\n'
    def t_5(fiter):
        for (l_1_severity, l_1_n) in fiter:
            if l_1_n:
                yield (l_1_severity, l_1_n)
    for (l_1_severity, l_1_n) in t_5(context.call(environment.getattr(environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'counts'), 'items'))):
        _loop_vars = {}
        pass
        yield '<span><span class="badge l-'
        yield escape(l_1_severity)
        yield '">'
        yield escape(l_1_n)
        yield ' '
        yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), ('severity.' + l_1_severity), _loop_vars=_loop_vars))
        yield '</span></span>\n'
    l_1_severity = l_1_n = missing
    if environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'unseen'):
        pass
        yield '<span><a href="#not-seen">'
        yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'not-seen'))
        yield ': '
        yield escape(t_1(environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'unseen')))
        yield '</a></span>'
    yield '</p>\n</header>\n<main>\n<section id="layers" aria-labelledby="layers-h">\n<h2 id="layers-h">'
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
    yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'capabilities'))
    yield '</h2>\n'
    if environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'checks'):
        pass
        yield '<table class="checks">\n<thead><tr><th>'
        yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'check'))
        yield '</th><th>'
        yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'status'))
        yield '</th><th>'
        yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'summary'))
        yield '</th></tr></thead>\n<tbody>\n'
        l_1_loop = missing
        for l_1_c, l_1_loop in LoopContext(environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'checks'), undefined):
            _loop_vars = {}
            pass
            yield '<tr class="l-'
            yield escape(environment.getattr(l_1_c, 'level'))
            yield '" id="check-'
            yield escape(environment.getattr(l_1_loop, 'index'))
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
            if environment.getattr(l_1_c, 'remedy'):
                pass
                yield '<p class="remedy"><strong>'
                yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'remedy', _loop_vars=_loop_vars))
                yield ':</strong> '
                yield escape(environment.getattr(l_1_c, 'remedy'))
                yield '</p>'
            yield '<details class="check-more"><summary>'
            yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'explanation', _loop_vars=_loop_vars))
            if environment.getattr(l_1_c, 'evidence'):
                pass
                yield ' · '
                yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'evidence', _loop_vars=_loop_vars))
                yield ' ('
                yield escape(t_1(environment.getattr(l_1_c, 'evidence')))
                yield ')'
            yield '</summary>\n'
            yield escape(context.call((undefined(name='explained') if l_0_explained is missing else l_0_explained), l_1_c, _loop_vars=_loop_vars))
            yield '\n'
            if environment.getattr(l_1_c, 'evidence'):
                pass
                yield escape(context.call((undefined(name='evidence_table') if l_0_evidence_table is missing else l_0_evidence_table), environment.getattr(l_1_c, 'evidence'), _loop_vars=_loop_vars))
            yield '</details>\n</td>\n</tr>\n'
        l_1_loop = l_1_c = missing
        yield '</tbody>\n</table>\n'
    else:
        pass
        yield '<p class="none">'
        yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'no-checks'))
        yield '</p>\n'
    yield '</section>\n\n<section id="findings" aria-labelledby="findings-h">\n<h2 id="findings-h">'
    yield escape(context.call((undefined(name='t') if l_0_t is missing else l_0_t), 'findings'))
    yield '</h2>\n'
    l_1_loop = missing
    t_6 = 1
    for l_1_f, l_1_loop in LoopContext(environment.getattr((undefined(name='v') if l_0_v is missing else l_0_v), 'findings'), undefined):
        _loop_vars = {}
        pass
        yield '<details class="item finding l-'
        yield escape(environment.getattr(l_1_f, 'level'))
        yield '" id="finding-'
        yield escape(environment.getattr(l_1_loop, 'index'))
        yield '">\n<summary><span class="badge l-'
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
        yield '\n<h4>'
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
        yield '</div>\n</details>\n'
        t_6 = 0
    l_1_loop = l_1_f = missing
    if t_6:
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
    yield '</section>\n\n<section id="about" aria-labelledby="about-h">\n<h2 id="about-h">'
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
    yield '</p>\n</footer>\n</body>\n</html>\n'

blocks = {}
debug_info = '3=28&5=35&7=44&9=49&10=64&11=86&12=100&18=110&19=117&20=120&22=125&23=129&24=132&25=137&26=139&27=145&28=149&35=163&39=165&41=167&42=169&43=173&47=175&48=183&50=185&51=189&53=204&58=212&59=214&61=217&62=221&63=227&64=229&65=239&66=246&68=249&72=259&73=262&74=266&83=271&84=273&86=276&88=283&89=287&90=291&91=295&92=299&93=301&94=309&95=318&96=320&104=329&109=332&110=336&111=340&112=344&114=354&115=356&116=358&117=366&118=369&119=371&124=379&129=382&130=384&131=387&133=389&135=397&136=401&141=416&146=419&149=421&156=431&157=433'
