package workboard

// Internals for the external tests of this package.
var (
	ParseRetryAfter = parseRetryAfter
	CheckRedirect   = checkRedirect
	ReadBody        = readBody
	TruncatedJSON   = truncatedJSON
)
