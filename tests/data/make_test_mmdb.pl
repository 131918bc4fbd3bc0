#!/usr/bin/perl
# Writes two small MaxMind-format databases for the geo tests, with Debian's
# MaxMind::DB::Writer (libmaxmind-db-writer-perl):
#   make_test_mmdb.pl city.mmdb asn.mmdb
# The networks are the public addresses of the project's demo capture and of the
# spec's nProbe sample line (137.116.157.26, Microsoft).
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

my ($city_file, $asn_file) = @ARGV;
die "usage: $0 city.mmdb asn.mmdb\n" unless $asn_file;

my %types = (
  country => 'map', iso_code => 'utf8_string', city => 'map', names => 'map', en => 'utf8_string',
  autonomous_system_number => 'uint32', autonomous_system_organization => 'utf8_string',
);
sub tree {
  my ($type) = @_;
  return MaxMind::DB::Writer::Tree->new(
    ip_version => 6, record_size => 24, database_type => $type, languages => ['en'],
    description => { en => "flowprobe test $type" },
    map_key_type_callback => sub { $types{ $_[0] } },
  );
}
sub write_tree {
  my ($tree, $file) = @_;
  open my $fh, '>:raw', $file or die "$file: $!\n";
  $tree->write_tree($fh);
  close $fh;
}

my $city = tree('GeoLite2-City');
$city->insert_network('93.184.216.0/24', { country => { iso_code => 'US' }, city => { names => { en => 'Norwell' } } });
$city->insert_network('137.116.0.0/16', { country => { iso_code => 'IE' }, city => { names => { en => 'Dublin' } } });
$city->insert_network('2606:2800:220::/48', { country => { iso_code => 'US' }, city => { names => { en => 'Norwell' } } });
write_tree($city, $city_file);

my $asn = tree('GeoLite2-ASN');
$asn->insert_network('93.184.216.0/24', { autonomous_system_number => 15133, autonomous_system_organization => 'EDGECAST' });
$asn->insert_network('137.116.0.0/16', { autonomous_system_number => 8075, autonomous_system_organization => 'Microsoft Corporation' });
$asn->insert_network('2606:2800:220::/48', { autonomous_system_number => 15133, autonomous_system_organization => 'EDGECAST' });
write_tree($asn, $asn_file);
