// SVG charts land with issue 3.
