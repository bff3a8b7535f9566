/**
 * JSON request bodies as text to values, with the limits every body gets wherever it is parsed
 * (on the HTTP thread, or on the parser thread for large ones: see ParserThread).
 * Failures carry statusCode 400, which the error handler renders as VALIDATION_FAILED.
 */

/** JSON nested deeper than this is refused before parsing: no dataset needs more than 3 levels. */
const MAX_JSON_DEPTH = 64;

export function parseJsonText(text: string): unknown {
  if (text.length === 0) throw badJson(new Error('the JSON body is empty'));
  if (nestingDepth(text) > MAX_JSON_DEPTH) {
    throw badJson(new Error(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`));
  }
  try {
    // Keys such as __proto__ and constructor are refused: they could pollute prototypes. A key
    // can only decode to one of them if the text spells the name or holds a \u escape, so
    // bodies with neither (number-heavy data, nearly always) skip the reviver, which would
    // otherwise run for every number and make parsing about 2.5× slower.
    const mayHoldForbiddenKey = /__proto__|constructor|prototype|\\u/.test(text);
    return mayHoldForbiddenKey ? JSON.parse(text, refuseForbiddenKeys) : JSON.parse(text);
  } catch (error) {
    throw badJson(error as Error);
  }
}

function badJson(error: Error): Error {
  return Object.assign(error, { statusCode: 400 });
}

function refuseForbiddenKeys(key: string, value: unknown): unknown {
  if (key === '__proto__' || key === 'constructor' || key === 'prototype') {
    throw new SyntaxError(`the key "${key}" is not allowed`);
  }
  return value;
}

/** The deepest bracket nesting outside strings, found in one pass without parsing. */
function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === 92)
        i++; // backslash: skip the escaped character
      else if (char === 34) inString = false;
    } else if (char === 34) inString = true;
    else if (char === 91 || char === 123) {
      if (++depth > deepest) deepest = depth;
    } else if (char === 93 || char === 125) depth--;
  }
  return deepest;
}
