from django.urls import path

from certification.views import home

urlpatterns = [path("", home.home, name="home")]
