#!/usr/bin/perl
# Builds the AS-organisation database flowprobe reads with --as-list (and by default from
# data/geo/asn.mmdb) from ip-location-db's CSV files, with Debian's MaxMind::DB::Writer:
#   make_asn_mmdb.pl asn.mmdb asn-ipv4.csv asn-ipv6.csv
# Each CSV line is "first,last,asn,organisation" (an inclusive range); the records take
# GeoLite2-ASN's keys, so any MaxMind reader (and the probe's %SRC_AS_MAP) reads them.
# Data: CC BY 4.0, RouteViews, DB-IP (IP to ASN Lite) and the NRO.
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

my ($out, @csv) = @ARGV;
die "usage: $0 out.mmdb asn-ipv4.csv [asn-ipv6.csv]\n" unless $out && @csv;
my %types = (autonomous_system_number => 'uint32', autonomous_system_organization => 'utf8_string');
my $tree = MaxMind::DB::Writer::Tree->new(
  ip_version => 6, record_size => 32, database_type => 'GeoLite2-ASN', languages => ['en'],
  description => { en => 'ip-location-db asn (CC BY 4.0: RouteViews, DB-IP, NRO), built by flowprobe scripts/setup' },
  map_key_type_callback => sub { $types{ $_[0] } },
  remove_reserved_networks => 0, merge_strategy => 'none',
);
my $n = 0;
for my $file (@csv) {
  open my $fh, '<:encoding(UTF-8)', $file or die "$file: $!\n";
  while (my $line = <$fh>) {
    chomp $line;
    my ($first, $last, $asn, $org);
    if ($line =~ /^([^,]+),([^,]+),(\d+),"((?:[^"]|"")*)"$/) {
      ($first, $last, $asn, $org) = ($1, $2, $3, $4);
      $org =~ s/""/"/g;
    } elsif ($line =~ /^([^,]+),([^,]+),(\d+),(.*)$/) {
      ($first, $last, $asn, $org) = ($1, $2, $3, $4);
    } else {
      next;
    }
    $tree->insert_range($first, $last, { autonomous_system_number => $asn + 0, autonomous_system_organization => $org });
    ++$n;
  }
}
open my $o, '>:raw', "$out.tmp" or die "$out.tmp: $!\n";
$tree->write_tree($o);
close $o or die "$out.tmp: $!\n";
rename "$out.tmp", $out or die "$out: $!\n";
print "asn.mmdb: $n ranges\n";
