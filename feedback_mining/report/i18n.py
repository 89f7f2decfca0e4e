"""The report's own words in English and Russian, the labels of ids, and numbers formatted for each language.

Pain-point labels come from the taxonomy file (`label`, `label_<lang>`), so a pain point added there is named
in the report without touching code; touchpoints, languages and the rest are named here.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path

from feedback_mining.config import REPORT_LANGUAGES
from feedback_mining.errors import UsageError

MINUS = "\u2212"  # a real minus sign: "−3", not "-3"
NBSP = "\u00a0"

TOUCHPOINTS = {
    "en": {"call_center": "Call center", "mobile_app": "Mobile app", "website": "Website", "chat": "Chat",
           "branch": "Branch", "delivery": "Delivery", "email": "Email", "social_media": "Social media",
           "partner_shop": "Partner shop", "unknown": "Unknown", "": "Unknown"},
    "ru": {"call_center": "Колл-центр", "mobile_app": "Мобильное приложение", "website": "Сайт", "chat": "Чат",
           "branch": "Отделение", "delivery": "Доставка", "email": "Эл. почта", "social_media": "Соцсети",
           "partner_shop": "Магазин-партнёр", "unknown": "Не указано", "": "Не указано"},
}
LANGUAGES = {
    "en": {"ru": "Russian", "uk": "Ukrainian", "fa": "Persian", "en": "English", "other": "Other", "und": "No text"},
    "ru": {"ru": "русский", "uk": "украинский", "fa": "персидский", "en": "английский", "other": "другие",
           "und": "без текста"},
}
MONTHS = {
    "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
    "ru": ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
           "ноября", "декабря"],
}

WORDS = {
    "en": {
        "title": "Customer effort report",
        "week": "Week {week}",
        "items_line": "{n} pieces of feedback: {surveys} survey answers, {tickets} support tickets, "
                      "{comments} comments without a survey",
        "generated": "Generated {at} by feedback_mining {version}",
        "model_sources": "Models: {sources}", "shipped_models": "shipped",
        "nav": "Contents",
        # headline
        "h_headline": "This week at a glance",
        "kpi_ces": "Customer Effort Score", "kpi_ces_note": "mean on {low}–{high}; {easy} found it easy",
        "kpi_csat": "CSAT", "kpi_csat_note": "share of satisfied customers ({top} of {high})",
        "kpi_nps": "NPS", "kpi_nps_note": "promoters minus detractors",
        "kpi_happiness": "Happiness", "kpi_happiness_note": "mean on 1–10",
        "answers": "{n} answers", "vs": "vs {week}",
        "no_previous": "No earlier week is stored in the history yet: changes appear from the next week on.",
        "finding_top": "{touchpoint} carries {share} of all customer effort. Its main pain points: {pains}.",
        "finding_pain": "The largest pain point overall, {pain}, carries {share} of customer effort; without it, "
                        "the average effort would fall by {impact} points.",
        "finding_change": "Largest change since {week}: {touchpoint}, {delta}.",
        "finding_no_change": "No touchpoint's share changed beyond sampling noise since {week}.",
        "finding_change_plain": "Largest change since the previous stored week: {touchpoint}, {delta}.",
        "finding_no_change_plain": "No touchpoint's share changed beyond sampling noise since the previous stored "
                                   "week.",
        # ranking
        "h_ranking": "Where customers spend the most effort",
        "ranking_intro": "A touchpoint's <b>share of customer effort</b> is the effort customers reported there (or, "
                         "without a CES answer, the effort read from their words) as a part of all the effort at all "
                         "touchpoints. A busy touchpoint with middling effort can outrank a small one with the worst "
                         "average: fixing it helps more customers. Lines show the 95% range.",
        "chart_share_axis": "Share of customer effort, % (line: 95% range)",
        "col_rank": "Rank", "col_touchpoint": "Touchpoint", "col_share": "Share of customer effort",
        "col_range": "95% range", "col_change": "Change vs {week}",
        "col_change_plain": "Change vs previous stored week",
        "col_rank_change": "Rank change", "col_items": "Feedback items",
        "col_effort": "Average effort (0–100)", "col_high": "High-effort share", "col_ces": "CES",
        "col_ces_easy": "CES: found it easy", "col_csat": "CSAT", "col_nps": "NPS", "col_happiness": "Happiness",
        "col_pains": "Main pain points", "col_id": "Id", "col_estimated": "Effort estimated from text",
        "rank_range": "could be #{low}–#{high}",
        "significant": "● the change is larger than this week's sampling uncertainty explains",
        # --by
        "h_segments": "By {by}",
        "segments_intro": "The ranking repeated within each value of <b>{by}</b>: the value's share of all customer "
                          "effort, and the three touchpoints carrying most of the value's own effort (with their share "
                          "of it). The full ranking of every value is in {file}.",
        "segments_more": "{n} smaller values are not shown; they are in {file}.",
        "col_segment_share": "Share of all customer effort", "col_segment_top": "Top touchpoints (share of its effort)",
        # heatmap
        "h_heatmap": "Which pain points, where",
        "heatmap_intro": "Share of all customer effort, in %, by touchpoint and pain point. Feedback with several "
                         "pain points splits its effort between them. Darker cells carry more effort.",
        "heatmap_unattributed": "{share} of customer effort comes from feedback where no pain point was detected; "
                                "it is not shown.",
        # pain points
        "h_pains": "Pain points: size, impact and importance",
        "pains_intro": "<b>Share of customer effort</b>: how much of all effort the pain point carries. "
                       "<b>Impact</b>: how many points (on 0–100) the average effort would fall if the pain point "
                       "disappeared. <b>Driver importance</b>: its part in explaining why CES answers differ; "
                       "together the pain points explain {r2} of that variation.",
        "col_pain": "Pain point", "col_mentions": "Feedback mentioning it", "col_impact": "Impact on average effort (points of 100)",
        "col_driver": "Driver importance", "col_share_tp": "Share of the touchpoint's effort",
        "unattributed": "No pain point detected",
        # trends
        "h_trends": "Trends",
        "trends_intro": "Share of customer effort of this week's top touchpoints over the stored weeks, and the "
                        "headline scores week by week.",
        "trends_none": "Trends appear once the history holds an earlier week: this is the first week stored.",
        "trend_axis": "Share of customer effort, %", "col_week": "Week",
        # cards
        "h_cards": "Top touchpoints: what customers say",
        "card_share": "{share} of customer effort (95% range {range})",
        "card_stats": "{n} feedback items · average effort {effort} of 100 · high effort: {high} · CES {ces} · "
                      "CSAT {csat} · NPS {nps}",
        "card_pains": "Main pain points (share of this touchpoint's effort)",
        "card_quotes": "In customers' words (personal data removed)",
        "no_quotes": "No comment with a detected pain point at this touchpoint.",
        "none_detected": "none detected",
        # sentiment
        "h_sentiment": "Sentiment by touchpoint and language",
        "sentiment_intro": "Share of feedback texts that read negative, neutral or positive (feedback without text "
                           "is left out).",
        "sentiment_low_confidence": "{share} of them ({n}) rest on a low-confidence prediction (below 0.5): read "
                                    "small differences with care.",
        "by_touchpoint": "By touchpoint", "by_language": "By language",
        "negative": "Negative", "neutral": "Neutral", "positive": "Positive",
        # quality
        "h_quality": "Data quality",
        "col_source": "Source", "col_read": "Rows read", "col_used": "Used", "col_rejected": "Rejected",
        "col_emptied": "Fields emptied", "col_adds_up": "Adds up", "yes": "yes", "no": "NO",
        "surveys": "Surveys", "comments": "Comments", "tickets": "Tickets",
        "survey": "survey", "ticket": "ticket", "comment": "comment",
        "rejected_by_reason": "Rejected rows by reason", "no_rejects": "No row was rejected.",
        "h_warnings": "Read this first: the data disagree with the configuration",
        "warnings_intro": "The run went on, but these figures may be misread until the points below are settled:",
        "col_reason": "Reason", "col_rows": "Rows",
        "languages": "Languages of {n} texts", "redactions": "Personal data removed",
        "redaction_kinds": {"email": "e-mail addresses", "url": "links", "card": "card numbers", "iban": "IBANs",
                            "phone": "phone numbers"},
        "duplicates": "Duplicate texts: {n} (kept in the figures, never quoted twice).",
        "effort_sources": "Where effort comes from: {survey} of feedback items from a CES answer, {estimated} "
                          "estimated from text, {none} without any effort signal. {share} of customer effort rests "
                          "on estimates.",
        "effort_from": {"survey": "CES answer", "estimated": "estimated from text", "none": "none"},
        # methods
        "h_methods": "Methods and definitions",
        "m_effort": "<b>Effort</b> of a piece of feedback, from 0 (effortless) to 100 (very hard): from its CES "
                    "answer, {formula}; without a CES answer, estimated from its text (pain points and tone).",
        "m_share": "<b>Share of customer effort</b> of a touchpoint: the sum of its feedback's effort above the "
                   "target ({target} of 100), divided by that sum over all touchpoints. Touchpoints are ranked by it.",
        "m_range": "<b>95% range</b>: from {n_boot} bootstrap resamples of the feedback. A change is marked ● when "
                   "the earlier week's share lies outside this week's range.",
        "m_high": "<b>High effort</b>: effort of 67 or more (CES 1–3 on the 1–7 scale).",
        "m_scores": "<b>CES</b>: mean answer to “the company made it easy”; <b>CSAT</b>: share of the two most "
                    "satisfied answers; <b>NPS</b>: % promoters (9–10) minus % detractors (0–6), from −100 to 100; "
                    "<b>happiness</b>: mean on 1–10.",
        "m_pains": "<b>Pain points</b> are found by the multilingual terms of the taxonomy ({taxonomy}); a piece of "
                   "feedback's effort is split over its pain points in proportion to their probabilities.",
        "m_impact": "<b>Impact</b> of a pain point: the average effort of all feedback minus the average effort of "
                    "the feedback without it.",
        "m_driver": "<b>Driver importance</b>: Johnson's relative weights of the pain points in a regression of "
                    "CES-based effort on them; they split the explained variation (R²) between pain points that "
                    "often occur together.",
        "m_privacy": "Customer texts are shown cleaned and redacted: e-mail addresses, phone numbers, card numbers, "
                     "IBANs and links are replaced by placeholders such as &lt;PHONE&gt;.",
        "m_corrections": "<b>Corrections</b>: {n} items took a reviewer's correction (reviewed files: {files}); "
                         "their sentiment and pain points, and their effort unless it comes from a CES answer, "
                         "are the reviewer's.",
        "formula_easier": "({high} − CES) / {span} × 100 on the {low}–{high} scale where {high} is easiest",
        "formula_harder": "(CES − {low}) / {span} × 100 on the {low}–{high} scale where {low} is easiest",
        "pp": "pp", "not_available": "not available",
        # summary.md
        "md_title": "Customer effort, week {week}",
        "md_alerts": "Alerts ({n})",
        "h_drift": "Drift: this week's texts against the models' training texts",
        "drift_intro": "Per language, each distinct text once: how many of its words the models know and how sure "
                       "they are, next to the same figures on held-out training texts (in brackets).",
        "drift_thresholds": "Warnings when unknown words exceed {unseen}, the low-confidence share rises more than "
                            "{rise} above the held-out texts', the label mix moves more than {shift}, the domain "
                            "classifier's AUC exceeds {auc} (0.5: like the training texts, 1: another kind of "
                            "text), or more than {untrained} of the texts are in languages the models were not "
                            "trained on.",
        "drift_ok": "Every figure is within its threshold.",
        "drift_no_reference": "No drift reference file: the held-out figures and the domain score are missing.",
        "drift_trend": "Trend over the stored weeks: unknown words · domain classifier AUC",
        "col_language": "Language", "col_texts": "Texts", "col_training_share": "Of training texts",
        "col_unseen": "Unknown words", "col_confidence": "Mean confidence", "col_low_confidence": "Low confidence",
        "col_label_mix": "Negative / neutral / positive", "col_domain_auc": "Domain AUC", "col_week": "Week",
        "md_scores": "{n} pieces of feedback · CES {ces} · CSAT {csat} · NPS {nps} · happiness {happiness}",
        "md_touchpoints": "Where customers spend the most effort (share of customer effort{vs}):",
        "md_pains": "Top pain points (share of all customer effort):",
        "md_vs": ", change vs {week}", "md_vs_plain": ", change vs the previous stored week",
        "md_impact": "without it average effort would fall by {impact} points",
        "md_footer": "Full report with charts and customer quotes: report.html",
        # xlsx
        "sheet_about": "Customer effort report, week {week}. Effort runs from 0 (effortless) to 100 (very hard); "
                       "shares are parts of all customer effort. Definitions: see report.html, Methods.",
        "col_date": "Date", "col_language": "Language", "col_effort_item": "Effort (0–100)",
        "col_effort_source": "Effort from", "col_sentiment": "Sentiment", "col_text": "Text (personal data removed)",
        "col_low": "95% low", "col_high_end": "95% high",
    },
    "ru": {
        "title": "Отчёт о клиентских усилиях",
        "week": "Неделя {week}",
        "items_line": "{n} отзывов: {surveys} ответов на опросы, {tickets} обращений в поддержку, "
                      "{comments} комментариев без опроса",
        "generated": "Создан {at}, feedback_mining {version}",
        "model_sources": "Модели: {sources}", "shipped_models": "поставляемые",
        "nav": "Содержание",
        "h_headline": "Неделя в цифрах",
        "kpi_ces": "Индекс усилий клиента (CES)", "kpi_ces_note": "среднее по шкале {low}–{high}; легко: {easy}",
        "kpi_csat": "CSAT", "kpi_csat_note": "доля довольных клиентов ({top} из {high})",
        "kpi_nps": "NPS", "kpi_nps_note": "промоутеры минус критики",
        "kpi_happiness": "Удовлетворённость", "kpi_happiness_note": "среднее по шкале 1–10",
        "answers": "ответов: {n}", "vs": "к {week}",
        "no_previous": "В истории ещё нет прошлых недель: изменения появятся со следующей недели.",
        "finding_top": "{touchpoint}: {share} всех клиентских усилий. Главные проблемы: {pains}.",
        "finding_pain": "Главная проблема в целом, «{pain}», несёт {share} клиентских усилий; без этой "
                        "проблемы средние усилия снизились бы на {impact} п. из 100.",
        "finding_change": "Сильнее всего с {week} изменилась доля точки «{touchpoint}»: {delta}.",
        "finding_no_change": "С {week} ни одна доля не изменилась сильнее статистического шума.",
        "finding_change_plain": "Сильнее всего с предыдущей сохранённой недели изменилась доля точки «{touchpoint}»: "
                                "{delta}.",
        "finding_no_change_plain": "С предыдущей сохранённой недели ни одна доля не изменилась сильнее "
                                   "статистического шума.",
        "h_ranking": "Где клиентам труднее всего",
        "ranking_intro": "<b>Доля клиентских усилий</b> точки контакта — усилия, о которых клиенты сообщили в ней "
                         "(а без ответа на CES — оценённые по тексту отзыва), как часть всех усилий во всех точках. "
                         "Загруженная точка со средними усилиями может обогнать маленькую с худшим средним: её "
                         "исправление поможет большему числу клиентов. Линии — 95%-й интервал.",
        "chart_share_axis": "Доля клиентских усилий, % (линия — 95%-й интервал)",
        "col_rank": "Место", "col_touchpoint": "Точка контакта", "col_share": "Доля клиентских усилий",
        "col_range": "95%-й интервал", "col_change": "Изменение к {week}",
        "col_change_plain": "Изменение к предыдущей сохранённой неделе",
        "col_rank_change": "Изменение места", "col_items": "Отзывов",
        "col_effort": "Средние усилия (0–100)", "col_high": "Доля высоких усилий", "col_ces": "CES",
        "col_ces_easy": "CES: было легко", "col_csat": "CSAT", "col_nps": "NPS", "col_happiness": "Удовлетворённость",
        "col_pains": "Главные проблемы", "col_id": "Код", "col_estimated": "Усилия оценены по тексту",
        "rank_range": "возможно место {low}–{high}",
        "significant": "● изменение больше, чем объясняет случайный разброс этой недели",
        "h_segments": "В разрезе «{by}»",
        "segments_intro": "Рейтинг, повторённый для каждого значения <b>{by}</b>: доля значения во всех клиентских "
                          "усилиях и три точки контакта, на которые приходится больше всего его усилий (с их долей). "
                          "Полный рейтинг по каждому значению — в файле {file}.",
        "segments_more": "Ещё значений: {n} (меньших) — они в файле {file}.",
        "col_segment_share": "Доля всех клиентских усилий",
        "col_segment_top": "Главные точки контакта (доля усилий значения)",
        "h_heatmap": "Какие проблемы и где",
        "heatmap_intro": "Доля всех клиентских усилий, в %, по точкам контакта и проблемам. Отзыв с несколькими "
                         "проблемами делит свои усилия между ними. Чем темнее клетка, тем больше усилий.",
        "heatmap_unattributed": "{share} клиентских усилий приходится на отзывы, в которых проблема не найдена; "
                                "они не показаны.",
        "h_pains": "Проблемы: масштаб, влияние и значимость",
        "pains_intro": "<b>Доля клиентских усилий</b> — какая часть всех усилий приходится на проблему. "
                       "<b>Влияние</b> — на сколько пунктов (из 100) снизились бы средние усилия, если бы проблема "
                       "исчезла. <b>Значимость</b> — её вклад в объяснение различий в ответах CES; вместе проблемы "
                       "объясняют {r2} этих различий.",
        "col_pain": "Проблема", "col_mentions": "Отзывов с этой проблемой",
        "col_impact": "Влияние на средние усилия (пунктов из 100)",
        "col_driver": "Значимость", "col_share_tp": "Доля усилий точки контакта",
        "unattributed": "Проблема не найдена",
        "h_trends": "Динамика",
        "trends_intro": "Доля клиентских усилий главных точек контакта этой недели за сохранённые недели и "
                        "основные показатели по неделям.",
        "trends_none": "Динамика появится, когда в истории будет более ранняя неделя: эта неделя сохранена первой.",
        "trend_axis": "Доля клиентских усилий, %", "col_week": "Неделя",
        "h_cards": "Главные точки контакта: что говорят клиенты",
        "card_share": "{share} клиентских усилий (95%-й интервал {range})",
        "card_stats": "Отзывов: {n} · средние усилия {effort} из 100 · высокие усилия: {high} · CES {ces} · "
                      "CSAT {csat} · NPS {nps}",
        "card_pains": "Главные проблемы (доля усилий этой точки контакта)",
        "card_quotes": "Словами клиентов (персональные данные удалены)",
        "no_quotes": "Нет комментариев с найденной проблемой в этой точке контакта.",
        "none_detected": "не найдены",
        "h_sentiment": "Тональность по точкам контакта и языкам",
        "sentiment_intro": "Доля текстов отзывов с негативной, нейтральной и позитивной тональностью (отзывы без "
                           "текста не учтены).",
        "sentiment_low_confidence": "{share} из них ({n}) определены с низкой уверенностью (ниже 0,5): к небольшим "
                                    "различиям относитесь осторожно.",
        "by_touchpoint": "По точкам контакта", "by_language": "По языкам",
        "negative": "Негатив", "neutral": "Нейтрально", "positive": "Позитив",
        "h_quality": "Качество данных",
        "col_source": "Источник", "col_read": "Прочитано строк", "col_used": "Использовано",
        "col_rejected": "Отклонено",
        "col_emptied": "Очищено полей", "col_adds_up": "Сходится", "yes": "да", "no": "НЕТ",
        "surveys": "Опросы", "comments": "Комментарии", "tickets": "Обращения",
        "survey": "опрос", "ticket": "обращение", "comment": "комментарий",
        "rejected_by_reason": "Отклонённые строки по причинам", "no_rejects": "Ни одна строка не отклонена.",
        "h_warnings": "Прочтите сначала: данные расходятся с настройками",
        "warnings_intro": "Запуск завершён, но цифры могут быть прочитаны неверно, пока не решены вопросы ниже "
                          "(текст предупреждений — на английском, как в run.json):",
        "col_reason": "Причина", "col_rows": "Строк",
        "languages": "Языки {n} текстов", "redactions": "Удалено персональных данных",
        "redaction_kinds": {"email": "адреса эл. почты", "url": "ссылки", "card": "номера карт", "iban": "IBAN",
                            "phone": "номера телефонов"},
        "duplicates": "Повторяющиеся тексты: {n} (учтены в расчётах, в цитатах не повторяются).",
        "effort_sources": "Откуда усилия: у {survey} отзывов — из ответа CES, у {estimated} — оценены по тексту, у "
                          "{none} — нет данных. На оценках основано {share} клиентских усилий.",
        "effort_from": {"survey": "ответ CES", "estimated": "оценка по тексту", "none": "нет"},
        "h_methods": "Методика и определения",
        "m_effort": "<b>Усилия</b> по отзыву, от 0 (без усилий) до 100 (очень трудно): из ответа CES, {formula}; "
                    "без ответа CES — оценка по тексту (проблемы и тональность).",
        "m_share": "<b>Доля клиентских усилий</b> точки контакта — сумма усилий её отзывов сверх порога "
                   "({target} из 100), делённая на ту же сумму по всем точкам. Точки ранжированы по ней.",
        "m_range": "<b>95%-й интервал</b> — по {n_boot} бутстреп-выборкам отзывов. Изменение отмечено ●, если доля "
                   "более ранней недели лежит вне интервала этой недели.",
        "m_high": "<b>Высокие усилия</b> — усилия 67 и выше (CES 1–3 по шкале 1–7).",
        "m_scores": "<b>CES</b> — средний ответ на «компании удалось сделать всё легко»; <b>CSAT</b> — доля двух "
                    "лучших оценок; <b>NPS</b> — % промоутеров (9–10) минус % критиков (0–6), от −100 до 100; "
                    "<b>удовлетворённость</b> — среднее по шкале 1–10.",
        "m_pains": "<b>Проблемы</b> находятся по многоязычным терминам таксономии ({taxonomy}); усилия отзыва "
                   "делятся между его проблемами пропорционально их вероятностям.",
        "m_impact": "<b>Влияние</b> проблемы — средние усилия всех отзывов минус средние усилия отзывов без этой "
                    "проблемы.",
        "m_driver": "<b>Значимость</b> — относительные веса Джонсона для проблем в регрессии усилий по CES; они "
                    "делят объяснённую дисперсию (R²) между проблемами, которые часто встречаются вместе.",
        "m_privacy": "Тексты клиентов показаны очищенными: адреса эл. почты, телефоны, номера карт, IBAN и ссылки "
                     "заменены метками вида &lt;PHONE&gt;.",
        "m_corrections": "<b>Правки</b>: отзывов с правкой рецензента — {n} (проверенные файлы: {files}); их "
                         "тональность и проблемы, а также усилия, если они не из ответа CES, заданы рецензентом.",
        "formula_easier": "({high} − CES) / {span} × 100 по шкале {low}–{high}, где {high} — легче всего",
        "formula_harder": "(CES − {low}) / {span} × 100 по шкале {low}–{high}, где {low} — легче всего",
        "pp": "п.\u202fп.", "not_available": "нет данных",
        "md_title": "Клиентские усилия, неделя {week}",
        "md_alerts": "Оповещения ({n})",
        "h_drift": "Дрейф: тексты недели и обучающие тексты моделей",
        "drift_intro": "По языкам, каждый различный текст один раз: сколько его слов знают модели и насколько они "
                       "уверены, рядом те же величины на отложенных обучающих текстах (в скобках).",
        "drift_thresholds": "Предупреждение, когда неизвестных слов больше {unseen}, доля неуверенных предсказаний "
                            "выше, чем на отложенных текстах, более чем на {rise}, распределение меток сдвинулось "
                            "более чем на {shift}, AUC классификатора домена выше {auc} (0,5: как обучающие тексты, "
                            "1: тексты другого рода) или больше {untrained} текстов на языках, которым модели не "
                            "обучены.",
        "drift_ok": "Все величины в пределах порогов.",
        "drift_no_reference": "Нет файла эталона дрейфа: величин отложенных текстов и оценки домена нет.",
        "drift_trend": "Динамика по сохранённым неделям: неизвестные слова · AUC классификатора домена",
        "col_language": "Язык", "col_texts": "Тексты", "col_training_share": "Доля обучающих",
        "col_unseen": "Неизвестные слова", "col_confidence": "Средняя уверенность",
        "col_low_confidence": "Неуверенные", "col_label_mix": "Негатив / нейтрально / позитив",
        "col_domain_auc": "AUC домена", "col_week": "Неделя",
        "md_scores": "Отзывов: {n} · CES {ces} · CSAT {csat} · NPS {nps} · удовлетворённость {happiness}",
        "md_touchpoints": "Где клиентам труднее всего (доля клиентских усилий{vs}):",
        "md_pains": "Главные проблемы (доля всех клиентских усилий):",
        "md_vs": ", изменение к {week}", "md_vs_plain": ", изменение к предыдущей сохранённой неделе",
        "md_impact": "без этой проблемы средние усилия снизились бы на {impact} пункта",
        "md_footer": "Полный отчёт с графиками и цитатами клиентов: report.html",
        "sheet_about": "Отчёт о клиентских усилиях, неделя {week}. Усилия от 0 (без усилий) до 100 (очень трудно); "
                       "доли — части всех клиентских усилий. Определения: report.html, раздел «Методика».",
        "col_date": "Дата", "col_language": "Язык", "col_effort_item": "Усилия (0–100)",
        "col_effort_source": "Источник усилий", "col_sentiment": "Тональность",
        "col_text": "Текст (персональные данные удалены)", "col_low": "95%: от", "col_high_end": "95%: до",
    },
}


def pain_point_labels(taxonomy: Path | None, lang: str) -> dict[str, str]:
    """`{pain point id: label}` from the taxonomy file's `label_<lang>`, else `label` (pain points with neither are
    left out). Read as plain TOML: building the term matcher would cost seconds."""
    try:
        if taxonomy is None:
            text = resources.files("feedback_mining").joinpath("resources/taxonomy.toml").read_text(encoding="utf-8")
        else:
            text = Path(taxonomy).read_text(encoding="utf-8")
        specs = tomllib.loads(text).get("pain_points", {})
    except (OSError, tomllib.TOMLDecodeError):
        specs = {}
    labels = {pp: spec.get(f"label_{lang}") or spec.get("label")
              for pp, spec in specs.items() if isinstance(spec, dict)}
    return {pp: str(label) for pp, label in labels.items() if label}


@dataclass
class Locale:
    """Words, labels and number formats of one report language."""

    lang: str = "en"
    pain_labels: dict[str, str] = field(default_factory=dict)

    def __post_init__(self):
        if self.lang not in REPORT_LANGUAGES:
            raise UsageError(f"report language {self.lang!r}: use one of {list(REPORT_LANGUAGES)}")
        self.words = WORDS[self.lang]

    def t(self, key: str, **values) -> str:
        """The sentence `key`, with `values` filled in (already formatted and, for HTML, escaped)."""
        return self.words[key].format(**values) if values else self.words[key]

    def versus(self, key: str, week: str | None, **values) -> str:
        """The sentence `key` naming the compared `week`; `<key>_plain` (no week named) when it is unknown."""
        return self.t(key, week=week, **values) if week else self.t(f"{key}_plain", **values)

    # ---------------------------------------------------------------- labels

    def touchpoint(self, tp: str) -> str:
        tp = "" if tp is None else str(tp)
        return TOUCHPOINTS[self.lang].get(tp) or tp.replace("_", " ").capitalize()

    def pain(self, pp: str) -> str:
        if pp == "unattributed":
            return self.words["unattributed"]
        return self.pain_labels.get(pp) or str(pp).replace("_", " ").capitalize()

    def pains(self, ids: str | list[str], sep: str = ", ") -> str:
        """Labels of `;`-joined ids (or a list of ids)."""
        ids = [p for p in (ids.split(";") if isinstance(ids, str) else ids) if p]
        return sep.join(self.pain(p) for p in ids)

    def segment(self, value: str) -> str:
        """A value of the `--by` column; `unknown` (what an empty value becomes) in the report's language."""
        return self.touchpoint("unknown") if value == "unknown" else str(value)

    def language(self, code: str) -> str:
        return LANGUAGES[self.lang].get(code, code)

    def week_range(self, week: str) -> str:
        """`2026-W47` -> `16–22 Nov 2026` (`16–22 ноября 2026`); empty for anything else."""
        try:
            year, number = int(week[:4]), int(week[6:])
            start, end = date.fromisocalendar(year, number, 1), date.fromisocalendar(year, number, 7)
        except (ValueError, TypeError, IndexError):
            return ""
        months = MONTHS[self.lang]
        first = f"{start.day}" if start.month == end.month else f"{start.day} {months[start.month - 1]}"
        if start.year != end.year:
            first += f" {start.year}"
        return f"{first}–{end.day} {months[end.month - 1]} {end.year}"

    # ---------------------------------------------------------------- numbers

    def num(self, value, digits: int = 0, sign: bool = False) -> str:
        """A number with the language's decimal mark and thousands separator; `–` when missing."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "–"
        value = float(value)
        if round(value, digits) == 0:
            value = 0.0  # no "−0"
        text = f"{abs(value):,.{digits}f}"
        if self.lang == "ru":
            text = text.replace(",", "\u202f").replace(".", ",")
        prefix = MINUS if value < 0 else ("+" if sign and value > 0 else ("±" if sign else ""))
        return prefix + text

    def count(self, value) -> str:
        return self.num(value, 0)

    def pct(self, fraction, digits: int = 0) -> str:
        """0.123 -> `12%` (`12 %` in Russian)."""
        text = self.num(None if fraction is None else float(fraction) * 100, digits)
        return text if text == "–" else text + (NBSP + "%" if self.lang == "ru" else "%")

    def pct_range(self, low, high, digits: int = 0) -> str:
        """A 95% range of shares: `12–14%` (`12–14 %`)."""
        first, last = self.pct(low, digits), self.pct(high, digits)
        if "–" in (first, last):
            return "–"
        return f"{self.num(float(low) * 100, digits)}–{last}"

    def pp(self, delta, digits: int = 1) -> str:
        """A change of a share in percentage points: 0.021 -> `+2.1 pp`."""
        text = self.num(None if delta is None else float(delta) * 100, digits, sign=True)
        return text if text == "–" else f"{text}{NBSP}{self.words['pp']}"

    def effort(self, value, digits: int = 0) -> str:
        """Effort in [0, 1] on the report's 0–100 scale."""
        return self.num(None if value is None else float(value) * 100, digits)
