import { describe, expect, it } from "vitest";
import { containsWholeToken, isMeaningfulNeedle } from "../../../src/core/incidents/index.js";

describe("containsWholeToken (both sides lower-cased)", () => {
  const cases: { name: string; text: string; needle: string; found: boolean }[] = [
    { name: "an incident key alone", text: "see inc-12 for details", needle: "inc-12", found: true },
    { name: "INC-12 is not inside INC-123", text: "see inc-123 for details", needle: "inc-12", found: false },
    { name: "INC-12 is not the tail of XINC-12", text: "xinc-12", needle: "inc-12", found: false },
    { name: "INC-12 is found after INC-123 in the same text", text: "inc-123 then inc-12", needle: "inc-12", found: true },
    { name: "an id at the end of a sentence", text: "we opened sg-0abc.", needle: "sg-0abc", found: true },
    { name: "an id inside parentheses", text: "the group (sg-0abc) was opened", needle: "sg-0abc", found: true },
    { name: "an id at the end of an ARN", text: "arn:aws:ec2:eu-west-1:123456789012:security-group/sg-0abc", needle: "sg-0abc", found: true },
    { name: "an id is not the start of a longer id joined by a hyphen", text: "sg-0abc-2 was changed", needle: "sg-0abc", found: false },
    { name: "a name is not the start of a longer dotted name", text: "db.example.com.au resolved", needle: "db.example.com", found: false },
    { name: "a name is not the end of a longer dotted name", text: "api.web-prod", needle: "web-prod", found: false },
    { name: "a word is not inside an underscored word", text: "web_prod", needle: "web", found: false },
    { name: "a CIDR is not the start of a wider prefix", text: "10.0.0.0/16", needle: "10.0.0.0/1", found: false },
    { name: "a CIDR followed by a comma", text: "allowed 10.0.0.0/8, then reverted", needle: "10.0.0.0/8", found: true },
    { name: "a key=value pair counts as a mention of the value", text: "set db_timeout=60s by hand", needle: "db_timeout=60s", found: true },
    { name: "an empty needle is never found", text: "anything", needle: "", found: false },
    { name: "an apostrophe is a boundary", text: "sg-0abc's rules", needle: "sg-0abc", found: true },
    { name: "letters outside ASCII join words too", text: "zürich-web", needle: "rich-web", found: false },
  ];
  it.each(cases)("$name", ({ text, needle, found }) => {
    expect(containsWholeToken(text, needle)).toBe(found);
  });
});

describe("isMeaningfulNeedle: only specific values count as mentions", () => {
  const cases: { name: string; value: string; meaningful: boolean; why: string }[] = [
    { name: "a security-group id", value: "sg-0abc", meaningful: true, why: "specific" },
    { name: "a three-character value", value: "60s", meaningful: false, why: "under 4 characters matches by chance" },
    { name: "a value padded with spaces to look long", value: "  ab  ", meaningful: false, why: "length counts after trimming" },
    { name: "true", value: "true", meaningful: false, why: "boolean" },
    { name: "FALSE in capitals", value: "FALSE", meaningful: false, why: "boolean, case-insensitive" },
    { name: "enabled", value: "Enabled", meaningful: false, why: "toggle word" },
    { name: "a number under 1000", value: "443", meaningful: false, why: "short number" },
    { name: "a four-character number under 1000", value: "0.25", meaningful: false, why: "numbers below 1000 are common" },
    { name: "a negative number under 1000 in magnitude", value: "-100", meaningful: false, why: "short number" },
    { name: "a port above 1000", value: "8443", meaningful: true, why: "specific port" },
    { name: "an account id", value: "123456789012", meaningful: true, why: "specific" },
    { name: "punctuation only", value: "----", meaningful: false, why: "no word to look up" },
    { name: "a value longer than 200 characters", value: "x".repeat(201), meaningful: false, why: "documents never appear verbatim" },
    { name: "a CIDR", value: "0.0.0.0/0", meaningful: true, why: "specific" },
  ];
  it.each(cases)("$name ($why)", ({ value, meaningful }) => {
    expect(isMeaningfulNeedle(value)).toBe(meaningful);
  });
});
