# Character tables from GAP for tests/core/test_gap_characters.cpp, which compares symsweep's
# irreps (computed from a Cayley table alone) against them. The caller binds one of
#
#   SymsweepMaxOrder := 32;                          every group of GAP's small-group library
#                                                    of order 1..SymsweepMaxOrder
#   SymsweepGroups := ["SymmetricGroup(5)", ...];    the groups these GAP expressions build
#
# before reading this file, e.g.
#
#   gap -q --quitonbreak -c 'SymsweepMaxOrder := 32;' character_tables.g < /dev/null
#
# It prints one record per line, fields separated by single spaces, element and class indices
# 0-based:
#
#   nr N COUNT             NrSmallGroups(N) (SymsweepMaxOrder only, before the groups of order N)
#   group NAME ORDER       a group; NAME is the GAP expression that built it, without spaces
#   row A P_0 .. P_{n-1}   P_B = index of elms[A] * elms[B] (n lines, A = 0..n-1)
#   classof C_0 .. C_{n-1} C_A = class of elms[A] in the character table's class order
#   sizes S_0 .. S_{k-1}   the class sizes (SizesConjugacyClasses)
#   character DEGREE INDICATOR N V_0 .. V_{k-1}
#                          one irreducible character (k lines, Irr's order): its degree, its
#                          Frobenius-Schur indicator and its value on each class as a sum of
#                          c * E(N)^e with E(N) = exp(2 pi i / N), written "e:c,e:c,..." (c an
#                          integer or p/q; "0" for the value 0)
#   end NAME               the group is complete
#   done COUNT             all COUNT groups are complete
#
# elms is AsSSortedList(G), which fixes the numbering of the elements, and the classes are
# those of CharacterTable(G), the ones Irr and Indicator are indexed by. Any error exits GAP
# with a non-zero status (the caller passes --quitonbreak).

if LoadPackage("smallgrp") <> true then
  Error("the GAP package smallgrp is needed (Debian: apt-get install gap-smallgrp)");
fi;
SetPrintFormattingStatus("*stdout*", false);

# The cyclotomic x as its coefficients in E(n)^0 .. E(n)^(n-1) (n a multiple of its
# conductor), the non-zero ones.
SymsweepValue := function(x, n)
  local coeffs, terms, e;
  coeffs := CoeffsCyc(x, n);
  terms := [];
  for e in [1 .. n] do
    if coeffs[e] <> 0 then
      Add(terms, Concatenation(String(e - 1), ":", String(coeffs[e])));
    fi;
  od;
  if terms = [] then
    return "0";
  fi;
  return JoinStringsWithSeparator(terms, ",");
end;

SymsweepPrintGroup := function(name, G)
  local elms, n, tbl, classes, classof, a, b, c, x, irr, ind, values, cond;
  elms := AsSSortedList(G);
  n := Length(elms);
  Print("group ", name, " ", n, "\n");
  for a in [1 .. n] do
    Print("row ", a - 1);
    for b in [1 .. n] do
      Print(" ", PositionSorted(elms, elms[a] * elms[b]) - 1);
    od;
    Print("\n");
  od;
  tbl := CharacterTable(G);
  classes := ConjugacyClasses(tbl);
  classof := ListWithIdenticalEntries(n, -1);
  for c in [1 .. Length(classes)] do
    for x in AsList(classes[c]) do
      classof[PositionSorted(elms, x)] := c - 1;
    od;
  od;
  Print("classof ", JoinStringsWithSeparator(List(classof, String), " "), "\n");
  Print("sizes ", JoinStringsWithSeparator(List(SizesConjugacyClasses(tbl), String), " "), "\n");
  irr := Irr(tbl);
  ind := Indicator(tbl, 2);
  for c in [1 .. Length(irr)] do
    values := ValuesOfClassFunction(irr[c]);
    cond := Conductor(values);
    Print("character ", DegreeOfCharacter(irr[c]), " ", ind[c], " ", cond);
    for x in values do
      Print(" ", SymsweepValue(x, cond));
    od;
    Print("\n");
  od;
  Print("end ", name, "\n");
end;

SymsweepCount := 0;
if IsBoundGlobal("SymsweepMaxOrder") = IsBoundGlobal("SymsweepGroups") then
  Error("bind exactly one of SymsweepMaxOrder and SymsweepGroups");
elif IsBoundGlobal("SymsweepMaxOrder") then
  for SymsweepN in [1 .. SymsweepMaxOrder] do
    Print("nr ", SymsweepN, " ", NrSmallGroups(SymsweepN), "\n");
    for SymsweepI in [1 .. NrSmallGroups(SymsweepN)] do
      SymsweepPrintGroup(Concatenation("SmallGroup(", String(SymsweepN), ",",
                                       String(SymsweepI), ")"),
                         SmallGroup(SymsweepN, SymsweepI));
      SymsweepCount := SymsweepCount + 1;
    od;
  od;
else
  for SymsweepName in SymsweepGroups do
    SymsweepPrintGroup(SymsweepName, EvalString(SymsweepName));
    SymsweepCount := SymsweepCount + 1;
  od;
fi;
Print("done ", SymsweepCount, "\n");
QUIT;
