"""Web pages: the coordinators' console (and, later, the volunteers' app).

A second front door to the same services as the API: a page handler parses a form,
calls one service function and renders a template. The same role and district
checks apply; nothing here decides a business rule.
"""
