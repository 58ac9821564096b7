//! Tokens of the language, cut by logos; each keeps the byte range it came from so that every
//! error can point at it.

use crate::Diag;
use logos::Logos;
use std::ops::Range;

/// One token.
#[derive(Logos, Clone, Debug, PartialEq, Eq)]
#[logos(skip r"[ \t\r\n\f]+")]
#[logos(skip r"//[^\n]*")]
#[logos(skip r"/\*([^*]|\*+[^*/])*\*+/")]
pub enum Tok {
    /// A name: a variable, a field, a function, a type.
    #[regex(r"[A-Za-z_][A-Za-z0-9_]*", |l| l.slice().to_string())]
    Ident(String),
    /// A decimal or hexadecimal integer.
    #[regex(r"[0-9]+", |l| l.slice().parse::<i64>().ok())]
    #[regex(r"0x[0-9a-fA-F]+", |l| i64::from_str_radix(&l.slice()[2..], 16).ok())]
    Int(i64),
    /// A string in double quotes (messages, sources).
    #[regex(r#""[^"\n]*""#, |l| { let s = l.slice(); s[1..s.len() - 1].to_string() })]
    Str(String),
    /// `@`, before an annotation.
    #[token("@")]
    At,
    /// `(`.
    #[token("(")]
    LParen,
    /// `)`.
    #[token(")")]
    RParen,
    /// `{`.
    #[token("{")]
    LBrace,
    /// `}`.
    #[token("}")]
    RBrace,
    /// `[`.
    #[token("[")]
    LBracket,
    /// `]`.
    #[token("]")]
    RBracket,
    /// `;`.
    #[token(";")]
    Semi,
    /// `,`.
    #[token(",")]
    Comma,
    /// `.`.
    #[token(".")]
    Dot,
    /// `..`, in ranges.
    #[token("..")]
    DotDot,
    /// `->`.
    #[token("->")]
    Arrow,
    /// `=`.
    #[token("=")]
    Assign,
    /// `+=`.
    #[token("+=")]
    PlusAssign,
    /// `-=`.
    #[token("-=")]
    MinusAssign,
    /// `++`.
    #[token("++")]
    PlusPlus,
    /// `--`.
    #[token("--")]
    MinusMinus,
    /// `+`.
    #[token("+")]
    Plus,
    /// `-`.
    #[token("-")]
    Minus,
    /// `*`.
    #[token("*")]
    Star,
    /// `/`.
    #[token("/")]
    Slash,
    /// `%`.
    #[token("%")]
    Percent,
    /// `&`.
    #[token("&")]
    Amp,
    /// `&&`.
    #[token("&&")]
    AndAnd,
    /// `||`.
    #[token("||")]
    OrOr,
    /// `!`.
    #[token("!")]
    Bang,
    /// `==`.
    #[token("==")]
    EqEq,
    /// `!=`.
    #[token("!=")]
    NotEq,
    /// `<`.
    #[token("<")]
    Lt,
    /// `<=`.
    #[token("<=")]
    Le,
    /// `>`.
    #[token(">")]
    Gt,
    /// `>=`.
    #[token(">=")]
    Ge,
    /// `:`.
    #[token(":")]
    Colon,
}

/// A token and where it is.
pub type Spanned = (Tok, Range<usize>);

/// The tokens of `text`; a character no token starts with is reported and skipped, so that
/// the parser still sees the rest.
pub fn lex(text: &str, diags: &mut Vec<Diag>) -> Vec<Spanned> {
    let mut out = Vec::new();
    let mut lexer = Tok::lexer(text);
    while let Some(tok) = lexer.next() {
        let span = lexer.span();
        match tok {
            Ok(t) => out.push((t, span)),
            // A number too large is still a number: the parser goes on past it.
            Err(()) if text[span.clone()].starts_with(|c: char| c.is_ascii_digit()) => {
                diags.push(Diag::new(
                    span.clone(),
                    format!("{} does not fit 64 bits", &text[span.clone()]),
                    "too large",
                ));
                out.push((Tok::Int(0), span));
            }
            Err(()) => diags.push(Diag::new(
                span.clone(),
                format!("unexpected `{}`", &text[span]),
                "not part of the language",
            )),
        }
    }
    out
}
