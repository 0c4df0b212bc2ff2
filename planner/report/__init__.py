"""Stage 7 of the pipeline: reports. Every writer here reads a ``Plan`` and nothing else.

``workbook`` (Excel, the artifact a team lead forwards to finance), ``json`` (the same content for scripts),
``terminal`` (the summary ``planner solve`` prints) and ``markdown`` (for a wiki or a pull request). Only this
package imports openpyxl (``workbook``, ``styles``, ``table`` and ``sheets``); ``figures``, ``json``,
``terminal``, ``markdown`` and ``text`` do not, so the JSON and terminal paths never load it.
"""
